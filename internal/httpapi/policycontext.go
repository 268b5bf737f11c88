package httpapi

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/policy"
)

// authzState is what authorization gathered about a request beyond its
// headers: the tags a PutObjectTagging body sets, read once however many
// decisions the request needs, and an error met while gathering, which
// the request is answered with instead of a decision.
type authzState struct {
	bodyRead bool
	bodyTags map[string][]string
	err      error
	// missingKey: an object ACL that might have granted the request was
	// not there, because the object does not exist.
	missingKey bool
}

// denial is the answer to a request its policies did not allow: the
// error that kept them from deciding, or AccessDenied.
func (st *authzState) denial() error {
	if st.err != nil {
		return st.err
	}
	return s3err.ErrAccessDenied
}

// headerConditionKeys are the condition keys that are a request header's
// value. The header names are canonical, which Header.Get then uses as
// they are.
var headerConditionKeys = []struct{ key, header string }{
	{"s3:x-amz-acl", "X-Amz-Acl"},
	{"s3:x-amz-grant-read", "X-Amz-Grant-Read"},
	{"s3:x-amz-grant-write", "X-Amz-Grant-Write"},
	{"s3:x-amz-grant-read-acp", "X-Amz-Grant-Read-Acp"},
	{"s3:x-amz-grant-write-acp", "X-Amz-Grant-Write-Acp"},
	{"s3:x-amz-grant-full-control", "X-Amz-Grant-Full-Control"},
	{"s3:x-amz-server-side-encryption", "X-Amz-Server-Side-Encryption"},
	{"s3:x-amz-server-side-encryption-aws-kms-key-id", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"},
	{"s3:x-amz-server-side-encryption-customer-algorithm", "X-Amz-Server-Side-Encryption-Customer-Algorithm"},
	{"s3:object-lock-mode", "X-Amz-Object-Lock-Mode"},
	{"s3:object-lock-retain-until-date", "X-Amz-Object-Lock-Retain-Until-Date"},
	{"s3:object-lock-legal-hold", "X-Amz-Object-Lock-Legal-Hold"},
	{"s3:x-amz-storage-class", "X-Amz-Storage-Class"},
	{"s3:x-amz-content-sha256", "X-Amz-Content-Sha256"},
	{"s3:x-amz-metadata-directive", "X-Amz-Metadata-Directive"},
}

// Condition key prefixes of object tags, lower case as policy.Request
// wants them.
const (
	existingTagPrefix = "s3:existingobjecttag/"
	requestTagPrefix  = "s3:requestobjecttag/"
	requestTagKeysKey = "s3:requestobjecttagkeys"
)

// existingTagActions are the actions whose policy context has the current
// tags of the object acted on (s3:ExistingObjectTag/<key>). S3 gives them
// to reads and to the calls that change an object's tags, ACL, retention
// or legal hold; not to PutObject or DeleteObject, which replace or remove
// the object whatever its tags.
var existingTagActions = map[string]bool{
	"s3:GetObject":                      true,
	"s3:GetObjectVersion":               true,
	"s3:GetObjectAcl":                   true,
	"s3:GetObjectVersionAcl":            true,
	"s3:GetObjectAttributes":            true,
	"s3:GetObjectVersionAttributes":     true,
	"s3:GetObjectTagging":               true,
	"s3:GetObjectVersionTagging":        true,
	"s3:GetObjectRetention":             true,
	"s3:GetObjectLegalHold":             true,
	"s3:PutObjectAcl":                   true,
	"s3:PutObjectVersionAcl":            true,
	"s3:PutObjectTagging":               true,
	"s3:PutObjectVersionTagging":        true,
	"s3:DeleteObjectTagging":            true,
	"s3:DeleteObjectVersionTagging":     true,
	"s3:PutObjectRetention":             true,
	"s3:PutObjectLegalHold":             true,
	"s3:BypassGovernanceRetention":      true,
	"s3:GetObjectVersionForReplication": true,
}

// policyContext is the condition context of one decision: the request's
// own keys (base, from conditionKeys, which it leaves as they are), the
// tags a PutObjectTagging body sets, and, when a policy that may decide
// action tests them, the current tags of the object resource names. An
// error means no decision can be made: deciding without the keys could
// grant what a Deny on them refuses.
func (s *Server) policyContext(rq *request, action, resource, bucket string, bp *policy.Policy, base map[string][]string) (map[string][]string, error) {
	// Most decisions add nothing: base is copied only before a first
	// addition, never changed.
	keys, copied := base, false
	own := func() {
		if !copied {
			keys, copied = maps.Clone(base), true
		}
	}
	if isPutObjectTagging(rq) {
		tags, err := bodyTags(rq)
		if err != nil {
			return nil, err
		}
		own()
		addRequestTags(keys, tags)
	}
	fromUpload, err := s.uploadKeys(rq, action, bucket, bp)
	if err != nil {
		return nil, err
	}
	for k, v := range fromUpload {
		if _, set := keys[k]; !set {
			own()
			keys[k] = v
		}
	}
	if !existingTagActions[action] || !policiesMention(rq, action, bp, existingTagPrefix) {
		return keys, nil
	}
	key, ok := strings.CutPrefix(resource, iamResource(bucket, "")+"/")
	if !ok {
		return keys, nil
	}
	tags, err := s.existingTags(rq, bucket, key)
	if err != nil {
		return nil, err
	}
	for k, v := range tags {
		own()
		keys[existingTagPrefix+strings.ToLower(k)] = []string{v}
	}
	return keys, nil
}

// uploadKeyPrefixes are the condition keys a multipart upload's later
// calls take from the CreateMultipartUpload that began it.
var uploadKeyPrefixes = []string{
	"s3:x-amz-server-side-encryption",
	"s3:requestobjecttag",
	"s3:x-amz-storage-class",
	"s3:object-lock-",
}

// uploadKeys are what UploadPart, UploadPartCopy and
// CompleteMultipartUpload take from their upload: its encryption, tags,
// storage class and object lock settings, as CreateMultipartUpload
// stated them:
// the object these calls build has them though the calls do not repeat
// the headers, so a policy requiring them (a Deny of PutObject when
// s3:x-amz-server-side-encryption is Null) lets an upload that gave them
// finish. A key the call's own headers set wins (policyContext). The
// upload is read only when a policy that may decide the call tests one
// of these keys; nil when it is not.
func (s *Server) uploadKeys(rq *request, action, bucket string, bp *policy.Policy) (map[string][]string, error) {
	if action != "s3:PutObject" || bucket != rq.bucket {
		return nil, nil
	}
	uploadID := rq.http.URL.Query().Get("uploadId")
	if uploadID == "" {
		return nil, nil
	}
	if !slices.ContainsFunc(uploadKeyPrefixes, func(p string) bool { return policiesMention(rq, action, bp, p) }) {
		return nil, nil
	}
	up, err := s.objects.MultipartUpload(rq.ctx, rq.bucket, rq.key, uploadID)
	if errors.Is(err, s3err.ErrNoSuchUpload) || errors.Is(err, s3err.ErrNoSuchBucket) {
		return nil, nil // the call itself answers that
	}
	if err != nil {
		return nil, err
	}
	fromUpload := map[string][]string{}
	set := func(key, v string) {
		if v != "" {
			fromUpload[key] = []string{v}
		}
	}
	switch up.SSE.Type {
	case object.SSES3:
		set("s3:x-amz-server-side-encryption", object.SSES3)
	case object.SSEKMS:
		set("s3:x-amz-server-side-encryption", object.SSEKMS)
		set("s3:x-amz-server-side-encryption-aws-kms-key-id", up.SSE.KMSKeyID)
	case object.SSEC:
		set("s3:x-amz-server-side-encryption-customer-algorithm", "AES256")
	}
	set("s3:x-amz-storage-class", up.Attrs.StorageClass)
	set("s3:object-lock-mode", up.Retention.Mode)
	if !up.Retention.RetainUntil.IsZero() {
		set("s3:object-lock-retain-until-date", up.Retention.RetainUntil.UTC().Format(time.RFC3339))
	}
	if up.LegalHold {
		set("s3:object-lock-legal-hold", "ON")
	}
	tags := make(map[string][]string, len(up.Tags))
	for k, v := range up.Tags {
		tags[k] = []string{v}
	}
	addRequestTags(fromUpload, tags)
	return fromUpload, nil
}

// policiesMention reports whether the bucket policy or one of the
// caller's policies has a statement that may apply to action and tests a
// key starting with prefix; bp is the bucket policy the decision reads,
// so that one decision reads it once.
func policiesMention(rq *request, action string, bp *policy.Policy, prefix string) bool {
	if bp.MentionsKey(action, prefix) {
		return true
	}
	id := rq.identity
	if id == nil {
		return false
	}
	if id.Session.MentionsKey(action, prefix) {
		return true
	}
	return slices.ContainsFunc(id.Policies, func(p *policy.Policy) bool { return p.MentionsKey(action, prefix) })
}

// existingTags reads the current tags of bucket/key: of the version the
// request addresses, which for a copy's source is the version its
// x-amz-copy-source names. An object or version that does not exist has
// no tags; the operation itself then answers that it does not.
func (s *Server) existingTags(rq *request, bucket, key string) (map[string]string, error) {
	vid := ""
	switch {
	case bucket == rq.bucket && key == rq.key:
		vid = versionID(rq)
	case rq.http.Header.Get("X-Amz-Copy-Source") != "":
		if src, err := copySource(rq.http.Header); err == nil && src.Bucket == bucket && src.Key == key {
			vid = src.VersionID
		}
	}
	tags, _, err := s.objects.GetObjectTags(rq.ctx, bucket, key, vid)
	for _, absent := range []error{s3err.ErrNoSuchKey, s3err.ErrNoSuchVersion, s3err.ErrNoSuchBucket, s3err.ErrMethodNotAllowed} {
		if errors.Is(err, absent) {
			return nil, nil
		}
	}
	return tags, err
}

// isPutObjectTagging reports whether rq is a PutObjectTagging call, whose
// tags are in its body rather than in x-amz-tagging.
func isPutObjectTagging(rq *request) bool {
	r := rq.http
	return r.Method == http.MethodPut && rq.key != "" && strings.Contains(r.URL.RawQuery, "tagging") && r.URL.Query().Has("tagging")
}

// bodyTags reads a PutObjectTagging body, at most maxTaggingBody bytes, to
// learn the tags it sets, and leaves the body readable again for the
// handler, which checks its digest and answers a bad one. A body that is
// too long or not a valid tag set contributes no keys: the handler
// refuses it whatever the decision. A body that cannot be read (a
// payload failing its signature) is an error.
func bodyTags(rq *request) (map[string][]string, error) {
	st := &rq.authz
	if st.bodyRead || rq.body == nil {
		return st.bodyTags, nil
	}
	st.bodyRead = true
	rest := rq.body
	data, err := io.ReadAll(io.LimitReader(rest, maxTaggingBody+1))
	if err != nil {
		rq.body = io.MultiReader(bytes.NewReader(data), errorReader{err})
		return nil, err
	}
	rq.body = io.MultiReader(bytes.NewReader(data), rest)
	if len(data) > maxTaggingBody {
		return nil, nil
	}
	if tags, err := parseTaggingDocument(data); err == nil {
		st.bodyTags = make(map[string][]string, len(tags))
		for k, v := range tags {
			st.bodyTags[k] = []string{v}
		}
	}
	return st.bodyTags, nil
}

type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }

// addRequestTags sets s3:RequestObjectTag/<key> for each tag a request
// sets, and s3:RequestObjectTagKeys to their keys.
func addRequestTags(keys map[string][]string, tags map[string][]string) {
	if len(tags) == 0 {
		return
	}
	names := make([]string, 0, len(tags))
	for k, v := range tags {
		names = append(names, k)
		keys[requestTagPrefix+strings.ToLower(k)] = v
	}
	slices.Sort(names)
	keys[requestTagKeysKey] = names
}

// copySourceKey is the s3:x-amz-copy-source of a copy: its source as
// "bucket/key", decoded and without a leading slash or version, as
// policies write it ("bucket/public/*") whichever way a client spelled
// the header. A header that names no source is the key as sent.
func copySourceKey(h http.Header) string {
	raw := h.Get("X-Amz-Copy-Source")
	if raw == "" {
		return ""
	}
	src, err := copySource(h)
	if err != nil {
		return raw
	}
	return src.Bucket + "/" + src.Key
}

// headerTags reads the tags of an x-amz-tagging header (a URL query).
func headerTags(h http.Header) url.Values {
	v := h.Get("X-Amz-Tagging")
	if v == "" {
		return nil
	}
	tags, err := url.ParseQuery(v)
	if err != nil {
		return nil
	}
	return tags
}
