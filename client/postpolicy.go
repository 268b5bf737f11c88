package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/sigv4"
)

// PostPolicy says what a browser form upload may store (spec: the
// PostPolicy class). Conditions are kept per form field, so adding one
// for a field again replaces it. Field names are compared without regard
// to case, as S3 does; they are written in lower case.
type PostPolicy struct {
	bucket     string
	expiration time.Time
	equals     map[string]string
	startsWith map[string]string
	// lengthSet marks a content-length-range condition.
	lengthSet      bool
	minLen, maxLen int64
}

// NewPostPolicy returns a policy for uploads to bucket that stops working
// at expiration. A key condition (SetKey, SetKeyStartsWith, or one added
// for "key") is required before it can be signed.
func NewPostPolicy(bucket string, expiration time.Time) *PostPolicy {
	return &PostPolicy{bucket: bucket, expiration: expiration, equals: map[string]string{}, startsWith: map[string]string{}}
}

// postPolicyReserved are the fields PresignedPostPolicy sets itself: a
// condition of the caller's on one of them would contradict the signer's.
var postPolicyReserved = []string{
	"bucket", "policy", "file",
	sigv4.PostFieldAlgorithm, sigv4.PostFieldCredential, sigv4.PostFieldDate,
	sigv4.PostFieldSecurityToken, sigv4.PostFieldSignature,
}

// postElement normalises a condition's field name: "$Key" and "key" are
// the same field.
func postElement(element string) (string, error) {
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(element), "$"))
	switch {
	case name == "":
		return "", invalidArgument("post policy condition needs a field name")
	case name == sigv4.PostOpContentLengthRange:
		return "", invalidArgument("use AddContentLengthRangeCondition for content-length-range")
	case slices.Contains(postPolicyReserved, name):
		return "", invalidArgument("post policy field %q is set by the signer", name)
	}
	return name, nil
}

// AddEqualsCondition requires the form field element to be value.
func (p *PostPolicy) AddEqualsCondition(element, value string) error {
	name, err := postElement(element)
	if err != nil {
		return err
	}
	p.equals[name] = value
	return nil
}

// RemoveEqualsCondition drops the equals condition on element.
func (p *PostPolicy) RemoveEqualsCondition(element string) {
	delete(p.equals, strings.ToLower(strings.TrimPrefix(element, "$")))
}

// AddStartsWithCondition requires the form field element to start with
// value; "" admits any value.
func (p *PostPolicy) AddStartsWithCondition(element, value string) error {
	name, err := postElement(element)
	if err != nil {
		return err
	}
	// S3 matches success_action_status exactly only.
	if name == "success_action_status" {
		return invalidArgument("success_action_status takes only an equals condition")
	}
	p.startsWith[name] = value
	return nil
}

// RemoveStartsWithCondition drops the starts-with condition on element.
func (p *PostPolicy) RemoveStartsWithCondition(element string) {
	delete(p.startsWith, strings.ToLower(strings.TrimPrefix(element, "$")))
}

// AddContentLengthRangeCondition bounds the uploaded file's size in
// bytes, both ends included.
func (p *PostPolicy) AddContentLengthRangeCondition(minLen, maxLen int64) error {
	if minLen < 0 || minLen > maxLen {
		return invalidArgument("content length range %d..%d is not 0 <= min <= max", minLen, maxLen)
	}
	p.lengthSet, p.minLen, p.maxLen = true, minLen, maxLen
	return nil
}

// RemoveContentLengthRangeCondition drops the size bounds.
func (p *PostPolicy) RemoveContentLengthRangeCondition() { p.lengthSet = false }

// SetKey requires the object name to be key.
func (p *PostPolicy) SetKey(key string) error {
	if key == "" {
		return invalidArgument("object name must not be empty")
	}
	return p.AddEqualsCondition(sigv4.PostFieldKey, key)
}

// SetKeyStartsWith requires the object name to start with prefix. The
// form's key field is preset to prefix; the uploader sets the full name
// (which may use ${filename}).
func (p *PostPolicy) SetKeyStartsWith(prefix string) error {
	return p.AddStartsWithCondition(sigv4.PostFieldKey, prefix)
}

// SetContentType requires the upload's Content-Type to be contentType,
// which is also what the object is stored with.
func (p *PostPolicy) SetContentType(contentType string) error {
	return p.AddEqualsCondition("content-type", contentType)
}

// SetSuccessActionStatus chooses the answer to a successful upload: 200
// and 204 are empty, 201 carries an XML document.
func (p *PostPolicy) SetSuccessActionStatus(status int) error {
	switch status {
	case 200, 201, 204:
		return p.AddEqualsCondition("success_action_status", strconv.Itoa(status))
	}
	return invalidArgument("success_action_status must be 200, 201 or 204, not %d", status)
}

// SetUserMetadata requires the user metadata name (without the
// x-amz-meta- prefix) to be value, which the object is stored with.
func (p *PostPolicy) SetUserMetadata(name, value string) error {
	if name == "" {
		return invalidArgument("user metadata needs a name")
	}
	return p.AddEqualsCondition("x-amz-meta-"+name, value)
}

// hasKeyCondition: S3 refuses a form without a key, and a policy that
// does not constrain it would let the form overwrite any object.
func (p *PostPolicy) hasKeyCondition() bool {
	_, eq := p.equals[sigv4.PostFieldKey]
	_, sw := p.startsWith[sigv4.PostFieldKey]
	return eq || sw
}

// postSigner is what the signature of one form is made of.
type postSigner struct {
	creds      Credentials
	region     string
	date       time.Time
	credential string
}

func newPostSigner(creds Credentials, region string, date time.Time) postSigner {
	day := date.UTC().Format("20060102")
	return postSigner{creds: creds, region: region, date: date,
		credential: creds.AccessKey + "/" + day + "/" + region + "/s3/aws4_request"}
}

// authFields are the form fields that carry the signature's inputs; the
// policy pins each of them with an equals condition.
func (s postSigner) authFields() map[string]string {
	f := map[string]string{
		sigv4.PostFieldAlgorithm:  "AWS4-HMAC-SHA256",
		sigv4.PostFieldCredential: s.credential,
		sigv4.PostFieldDate:       s.date.UTC().Format("20060102T150405Z"),
	}
	if s.creds.SessionToken != "" {
		f[sigv4.PostFieldSecurityToken] = s.creds.SessionToken
	}
	return f
}

// sign is SigV4 for POST: the string to sign is the base64 policy itself.
func (s postSigner) sign(encodedPolicy string) string {
	key := sigv4.SigningKey(s.creds.SecretKey, s.date.UTC().Format("20060102"), s.region, "s3")
	m := hmac.New(sha256.New, key)
	m.Write([]byte(encodedPolicy))
	return hex.EncodeToString(m.Sum(nil))
}

// document renders the policy JSON: the caller's conditions sorted by
// field, so that equal policies encode equally, then the bucket and the
// signer's fields.
func (p *PostPolicy) document(auth map[string]string) ([]byte, error) {
	conds := []any{[]string{sigv4.PostOpEq, "$bucket", p.bucket}}
	for _, name := range slices.Sorted(maps.Keys(p.equals)) {
		conds = append(conds, []string{sigv4.PostOpEq, "$" + name, p.equals[name]})
	}
	for _, name := range slices.Sorted(maps.Keys(p.startsWith)) {
		conds = append(conds, []string{sigv4.PostOpStartsWith, "$" + name, p.startsWith[name]})
	}
	if p.lengthSet {
		conds = append(conds, []any{sigv4.PostOpContentLengthRange, p.minLen, p.maxLen})
	}
	for _, name := range slices.Sorted(maps.Keys(auth)) {
		conds = append(conds, []string{sigv4.PostOpEq, "$" + name, auth[name]})
	}
	return json.Marshal(struct {
		Expiration string `json:"expiration"`
		Conditions []any  `json:"conditions"`
	}{p.expiration.UTC().Format("2006-01-02T15:04:05.000Z"), conds})
}

// formFields are every field the form must send but the file: each
// equals condition's value, each starts-with condition's prefix (for the
// uploader to complete), and the signature's fields.
func (p *PostPolicy) formFields(auth map[string]string) map[string]string {
	fields := make(map[string]string, len(p.startsWith)+len(p.equals)+len(auth)+2)
	maps.Copy(fields, p.startsWith)
	maps.Copy(fields, p.equals)
	maps.Copy(fields, auth)
	return fields
}

func (c *Client) checkPostPolicy(p *PostPolicy) error {
	switch {
	case p == nil:
		return invalidArgument("post policy is nil")
	case p.expiration.IsZero():
		return invalidArgument("post policy has no expiration")
	case !p.expiration.After(c.now()):
		return invalidArgument("post policy expired at %v", p.expiration)
	case !p.hasKeyCondition():
		return invalidArgument("post policy needs a key condition")
	}
	return checkBucket(p.bucket)
}

// PresignedPostPolicy signs p for a browser form upload (spec:
// presigned_post_policy). It returns the URL to POST to and the form
// fields to send, as multipart/form-data, before the "file" field, which
// must come last. Fields with a starts-with condition are preset to the
// prefix; the uploader replaces them with the full value.
func (c *Client) PresignedPostPolicy(ctx context.Context, p *PostPolicy) (*url.URL, map[string]string, error) {
	if err := c.checkPostPolicy(p); err != nil {
		return nil, nil, err
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, nil, err
	}
	if creds.AccessKey == "" {
		return nil, nil, invalidArgument("a post policy must be signed: the client has no credentials")
	}
	signer := newPostSigner(creds, c.region, c.now())
	auth := signer.authFields()
	doc, err := p.document(auth)
	if err != nil {
		return nil, nil, err
	}
	fields := p.formFields(auth)
	fields[sigv4.PostFieldPolicy] = base64.StdEncoding.EncodeToString(doc)
	fields[sigv4.PostFieldSignature] = signer.sign(fields[sigv4.PostFieldPolicy])
	return c.url(p.bucket, "", nil), fields, nil
}
