package sigv2

import (
	"crypto/hmac"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv4"
)

// responseOverrides are the query parameters that override response
// headers of a GET; they are signed like subresources.
var responseOverrides = []string{
	"response-cache-control", "response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires",
}

// documented is AWS's list of subresources in the CanonicalizedResource
// (Signing and authenticating REST requests, "Constructing the
// CanonicalizedResource element").
var documented = []string{
	"acl", "lifecycle", "location", "logging", "notification", "partNumber", "policy",
	"requestPayment", "torrent", "uploadId", "uploads", "versionId", "versioning",
	"versions", "website",
}

// subresourceProfiles are the lists of signed query parameters that
// clients in use compute the resource with. A request verifies when its
// signature matches the resource of any one of them.
var subresourceProfiles = [][]string{
	// AWS's documentation.
	concat(documented, responseOverrides, []string{"delete", "cors", "restore", "tagging"}),
	// s3cmd: the documented list and delete, cors and restore.
	concat(documented, []string{"delete", "cors", "restore"}),
	// botocore (boto3, aws-cli) with signature_version "s3".
	concat(documented, responseOverrides, []string{
		"accelerate", "cors", "defaultObjectAcl", "delete", "lifecycle", "tagging", "restore",
		"storageClass", "notification", "replication", "analytics", "metrics",
		"inventory", "select", "select-type", "object-lock",
	}),
	// minio-go and the MinIO clients.
	concat(documented, responseOverrides, []string{
		"cors", "delete", "encryption", "legal-hold", "replication", "retention",
		"select", "select-type", "tagging",
	}),
}

func concat(lists ...[]string) []string {
	var all []string
	for _, l := range lists {
		for _, s := range l {
			if !slices.Contains(all, s) {
				all = append(all, s)
			}
		}
	}
	slices.Sort(all)
	return all
}

// signedRequest is what a Version 2 signature covers but the date line
// and the resource.
type signedRequest struct {
	method                  string
	contentMD5, contentType string
	// amz is the CanonicalizedAmzHeaders element.
	amz string
}

// matches reports whether sig is the signature, under secret, of the
// request with any of dateLines and any of resources (the
// CanonicalizedResource as each client computes it).
func (s signedRequest) matches(secret, sig string, dateLines, resources []string) bool {
	tried := map[string]bool{}
	for _, date := range dateLines {
		head := s.method + "\n" + s.contentMD5 + "\n" + s.contentType + "\n" + date + "\n" + s.amz
		for _, resource := range resources {
			toSign := head + resource
			if tried[toSign] {
				continue
			}
			tried[toSign] = true
			if hmac.Equal([]byte(Sign(secret, toSign)), []byte(sig)) {
				return true
			}
		}
	}
	return false
}

// allSigned is every query parameter some client signs.
var allSigned = concat(subresourceProfiles...)

// coveringProfiles returns the profiles that sign every parameter of
// query on the list required.
func coveringProfiles(query url.Values, required []string) [][]string {
	var present []string
	for _, name := range required {
		if query.Has(name) {
			present = append(present, name)
		}
	}
	var out [][]string
	for _, profile := range subresourceProfiles {
		if containsAll(profile, present) {
			out = append(out, profile)
		}
	}
	return out
}

func containsAll(list, names []string) bool {
	for _, n := range names {
		if !slices.Contains(list, n) {
			return false
		}
	}
	return true
}

// resources returns the distinct CanonicalizedResource candidates of r:
// the path as sent and as S3 encodes it (and, for a bucket, with a
// slash), each with the subresources of each profile that covers the
// server's subresources in r's query. hostBucket is as for Verify. No
// candidate is SignatureDoesNotMatch: no client signs those parameters
// together.
func (v *Verifier) resources(r *http.Request, hostBucket string) ([]string, error) {
	required := v.Subresources
	if required == nil {
		required = allSigned
	}
	query := r.URL.Query()
	profiles := coveringProfiles(query, required)
	if len(profiles) == 0 {
		var names []string
		for _, name := range required {
			if query.Has(name) {
				names = append(names, strconv.Quote(name))
			}
		}
		what := "parameter " + names[0]
		if len(names) > 1 {
			what = "parameters " + strings.Join(names, ", ") + " together"
		}
		return nil, s3err.ErrSignatureDoesNotMatch.WithMessage("The request signature we calculated does not match the signature you provided. Signature Version 2 does not sign the query %s; use Signature Version 4.", what)
	}
	return candidateResources(r, hostBucket, profiles), nil
}

func candidateResources(r *http.Request, hostBucket string, profiles [][]string) []string {
	paths := []string{sentPath(r), sigv4.URIEncode(r.URL.Path, true)}
	if hostBucket != "" {
		for i, p := range paths {
			if p == "" {
				p = "/"
			}
			paths[i] = "/" + hostBucket + p
		}
	}
	// botocore signs a path-style request for a bucket itself as
	// "/bucket/" while it sends "/bucket".
	for _, p := range paths {
		if strings.Count(p, "/") == 1 && len(p) > 1 {
			paths = append(paths, p+"/")
		}
	}
	query := r.URL.Query()
	var out []string
	for _, path := range paths {
		for _, profile := range profiles {
			res := path + subresources(query, profile)
			if !slices.Contains(out, res) {
				out = append(out, res)
			}
		}
	}
	return out
}

// sentPath is the request's path exactly as the client wrote it.
func sentPath(r *http.Request) string {
	if p, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasPrefix(p, "/") {
		return p
	}
	return r.URL.EscapedPath()
}

// subresources returns "?name=value&name…" for the query parameters on
// the sorted list names: values decoded, a parameter without a value
// written without "=", only the first of repeated values.
func subresources(query url.Values, names []string) string {
	var b strings.Builder
	for _, name := range names {
		vs, ok := query[name]
		if !ok {
			continue
		}
		if b.Len() == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(name)
		if len(vs) > 0 && vs[0] != "" {
			b.WriteByte('=')
			b.WriteString(vs[0])
		}
	}
	return b.String()
}
