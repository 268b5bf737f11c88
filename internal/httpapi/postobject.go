package httpapi

import (
	"encoding/xml"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv2"
	"github.com/kurastore/kura/sigv4"
)

// Bounds on the form fields of a browser upload (everything but the
// file). AWS allows 20 KB; a little more leaves room for long policies.
const (
	maxFormFields    = 64
	maxFormFieldsLen = 64 << 10
)

func isFormUpload(r *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "multipart/form-data"
}

// uploadForm is a parsed browser upload: its fields, and the file part
// positioned at its content.
type uploadForm struct {
	fields   sigv4.PostForm
	file     io.Reader
	filename string
}

// readUploadForm reads the form fields up to the file. Fields after the
// file are ignored, as S3 does: the file must be the last field.
func readUploadForm(r *http.Request) (*uploadForm, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, s3err.ErrMalformedPOSTRequest
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	f := &uploadForm{fields: sigv4.PostForm{}}
	total := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, s3err.ErrMalformedPOSTRequest.WithMessage("POST requires exactly one file upload per request.")
		}
		if err != nil {
			return nil, s3err.ErrMalformedPOSTRequest
		}
		name := part.FormName()
		if strings.EqualFold(name, sigv4.PostFieldFile) {
			f.file, f.filename = part, part.FileName()
			return f, nil
		}
		if len(f.fields) == maxFormFields {
			return nil, s3err.ErrMalformedPOSTRequest.WithMessage("The form has too many fields.")
		}
		value, err := io.ReadAll(io.LimitReader(part, int64(maxFormFieldsLen-total)+1))
		if err != nil {
			return nil, s3err.ErrMalformedPOSTRequest
		}
		if total += len(name) + len(value); total > maxFormFieldsLen {
			return nil, s3err.ErrMalformedPOSTRequest.WithMessage("The form fields exceed %d bytes.", maxFormFieldsLen)
		}
		if err := f.fields.Add(name, string(value)); err != nil {
			return nil, err
		}
	}
}

// formAttrs are the stored attributes a form sets, as headers would on PUT.
func formAttrs(f sigv4.PostForm) object.Attrs {
	h := http.Header{}
	for name, v := range f {
		switch {
		case strings.HasPrefix(name, userMetaPrefix),
			name == "content-type", name == "content-encoding", name == "content-disposition",
			name == "content-language", name == "cache-control", name == "expires",
			name == "x-amz-storage-class", name == "x-amz-website-redirect-location":
			h.Set(name, v)
		}
	}
	return attrsFromHeaders(h)
}

// lengthCheckedReader fails the read that takes the body out of the
// policy's content-length-range, and the EOF of a body that is too short,
// so that nothing outside the range is committed.
type lengthCheckedReader struct {
	r      io.Reader
	n      int64
	policy *sigv4.PostPolicy
}

func (l *lengthCheckedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if l.policy == nil {
		return n, err
	}
	l.n += int64(n)
	if _, hi, ok := l.policy.LengthRange(); ok && l.n > hi {
		return n, l.policy.CheckLength(l.n)
	}
	if err == io.EOF {
		if lerr := l.policy.CheckLength(l.n); lerr != nil {
			return n, lerr
		}
	}
	return n, err
}

// authenticatePost checks a POST upload's signature, Version 4 (whose
// region must fit the bucket's) or, when the form has AWSAccessKeyId and
// no x-amz-algorithm, Version 2, and identifies the signer. The policy
// condition keys s3:signatureversion and s3:authType (POST) are set as
// for any signed request, so that a policy denying Version 2 denies its
// forms too.
func (s *Server) authenticatePost(rq *request, f sigv4.PostForm) error {
	rq.authType = "POST"
	if s.v2 != nil && f.Has("awsaccesskeyid") && !f.Has(sigv4.PostFieldAlgorithm) {
		access := f.Get("awsaccesskeyid")
		if err := s.v2.VerifyPost(access, f.Get(sigv4.PostFieldPolicy), f.Get("signature")); err != nil {
			return err
		}
		rq.signatureVersion = sigv2.Algorithm
		return s.identify(rq, access, f.Get(sigv4.PostFieldSecurityToken))
	}
	res, err := s.verifier.VerifyPost(f)
	if err != nil {
		return err
	}
	if err := s.checkSignedRegion(rq, res); err != nil {
		return err
	}
	rq.signatureVersion = sigv4.Algorithm
	return s.identify(rq, res.AccessKey, res.SessionToken)
}

// authorizeForm decides a form upload as S3 does a PUT of its key:
// s3:PutObject on the object's ARN, the form's fields standing for the
// headers a PUT would carry in the condition keys.
func (s *Server) authorizeForm(rq *request, f sigv4.PostForm, key string) error {
	auth := s.keyAuthorizer(rq)
	auth.addConditions(formConditionKeys(f))
	if !auth.allows(operationAuthz["PostObject"].action, key, "") {
		return s3err.ErrAccessDenied
	}
	return nil
}

// formConditionKeys are the condition keys of a form's fields that a PUT
// sends as headers: its canned ACL, server-side encryption and tags.
func formConditionKeys(f sigv4.PostForm) map[string][]string {
	keys := map[string][]string{}
	for field, key := range map[string]string{
		"acl":                          "s3:x-amz-acl",
		"x-amz-server-side-encryption": "s3:x-amz-server-side-encryption",
		"x-amz-server-side-encryption-aws-kms-key-id":     "s3:x-amz-server-side-encryption-aws-kms-key-id",
		"x-amz-server-side-encryption-customer-algorithm": "s3:x-amz-server-side-encryption-customer-algorithm",
	} {
		if v := f.Get(field); v != "" {
			keys[key] = []string{v}
		}
	}
	if doc := f.Get("tagging"); doc != "" {
		// A malformed document is refused when the upload reads it.
		tags, _ := parseTaggingDocument([]byte(doc))
		for k, v := range tags {
			keys["s3:requestobjecttag/"+strings.ToLower(k)] = []string{v}
		}
	}
	return keys
}

// formPolicy authenticates a form upload and returns its policy (nil for
// none). A form
// without a signature is anonymous, as on S3: it needs no policy, and is
// then decided as an anonymous PUT of its key, which only a publicly
// writable bucket (by its policy or its ACL) allows. A policy it does
// carry still bounds what it may store.
func (s *Server) formPolicy(rq *request, f sigv4.PostForm) (*sigv4.PostPolicy, error) {
	if sigv4.IsAnonymousPost(f) {
		rq.authType = "POST"
		if !f.Has(sigv4.PostFieldPolicy) {
			return nil, nil
		}
	} else if err := s.authenticatePost(rq, f); err != nil {
		return nil, err
	}
	return sigv4.ParsePostPolicy(f.Get(sigv4.PostFieldPolicy))
}

type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// postObject is a browser form upload: the form's policy, signed by the
// caller's key, says what the form may store.
func (s *Server) postObject(rq *request) (response, error) {
	form, err := readUploadForm(rq.http)
	if err != nil {
		return nil, err
	}
	f := form.fields
	policy, err := s.formPolicy(rq, f)
	if err != nil {
		return nil, err
	}
	if !f.Has(sigv4.PostFieldKey) {
		return nil, s3err.ErrInvalidArgument.WithMessage("Bucket POST must contain a field named 'key'.")
	}
	key := sigv4.SubstituteFilename(f.Get(sigv4.PostFieldKey), form.filename)
	f[sigv4.PostFieldKey] = key
	if err := s.authorizeForm(rq, f, key); err != nil {
		return nil, err
	}
	f[sigv4.PostFieldBucket] = rq.bucket
	if policy != nil {
		if err := policy.Check(f, s.now()); err != nil {
			return nil, err
		}
	}
	// A form's acl field is what x-amz-acl is to a PUT.
	acl, err := s.newObjectACL(rq, func(name string) string {
		if name == "x-amz-acl" {
			return f.Get("acl")
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	opts := object.PutOptions{SizeUnknown: true, Attrs: formAttrs(f), ACL: acl}
	// A form's x-amz-checksum-* field is what the header is to a PUT: the
	// file is verified against it, and the answer names the checksum.
	sums := http.Header{}
	for name, v := range f {
		if strings.HasPrefix(strings.ToLower(name), "x-amz-checksum-") {
			sums.Set(name, v)
		}
	}
	if opts.Checksum, err = checksumRequest(sums); err != nil {
		return nil, err
	}
	if opts.Encryption, err = s.formEncryption(rq, f); err != nil {
		return nil, err
	}
	if v := f.Get("tagging"); v != "" {
		t, err := parseTaggingDocument([]byte(v))
		if err != nil {
			return nil, err
		}
		opts.Tags = t
	}
	body := &lengthCheckedReader{r: form.file, policy: policy}
	info, err := s.objects.PutObject(rq.ctx, rq.bucket, key, body, opts)
	if err != nil {
		return nil, err
	}
	etag := quoteETag(info.ETag)
	location := objectURL(rq, key)
	if redirect := f.Get("success_action_redirect"); redirect != "" {
		if u, err := url.Parse(redirect); err == nil && u.Scheme != "" {
			u.RawQuery = redirectQuery(u.Query(), rq.bucket, key, etag)
			return emptyResponse{status: http.StatusSeeOther, headers: headers{{"Location", u.String()}, {"ETag", etag}}}, nil
		}
	}
	out := append(headers{{"ETag", etag}, {"Location", location}}, writeVersionHeaders(info)...)
	out = append(out, checksumHeaders(info.Checksums, info.ChecksumType)...)
	switch status, _ := strconv.Atoi(f.Get("success_action_status")); status {
	case http.StatusCreated:
		return xmlResponse{headers: out, status: http.StatusCreated, doc: postResponse{Location: location, Bucket: rq.bucket, Key: key, ETag: etag}}, nil
	case http.StatusOK:
		return emptyResponse{status: http.StatusOK, headers: out}, nil
	}
	return emptyResponse{status: http.StatusNoContent, headers: out}, nil
}

// redirectQuery is the query of a form upload's success_action_redirect:
// the redirect's own parameters, then bucket, key and etag in the order
// S3 appends them (clients and tests compare the URL as a string).
func redirectQuery(q url.Values, bucket, key, etag string) string {
	for _, name := range []string{"bucket", "key", "etag"} {
		q.Del(name)
	}
	out := q.Encode()
	if out != "" {
		out += "&"
	}
	return out + "bucket=" + url.QueryEscape(bucket) + "&key=" + url.QueryEscape(key) + "&etag=" + url.QueryEscape(etag)
}

// objectURL is the absolute URL of key in the request's bucket, as the
// Location of a POST upload and of CompleteMultipartUpload name it on
// AWS: on the host the request came to, path-style unless the request
// addressed the bucket by host name. The scheme is the one the server
// saw (TLS or not); a forwarding header is not trusted for it.
func objectURL(rq *request, key string) string {
	scheme := "http"
	if rq.http.TLS != nil {
		scheme = "https"
	}
	path := "/" + sigv4.URIEncode(key, true)
	if rq.hostBucket == "" {
		path = "/" + rq.bucket + path
	}
	return scheme + "://" + rq.http.Host + path
}
