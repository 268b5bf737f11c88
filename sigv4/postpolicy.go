package sigv4

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

// Form fields of a browser POST upload that this file gives meaning to.
const (
	PostFieldPolicy        = "policy"
	PostFieldAlgorithm     = "x-amz-algorithm"
	PostFieldCredential    = "x-amz-credential"
	PostFieldDate          = "x-amz-date"
	PostFieldSignature     = "x-amz-signature"
	PostFieldSecurityToken = "x-amz-security-token"
	PostFieldKey           = "key"
	PostFieldBucket        = "bucket"
	PostFieldFile          = "file"
)

// MaxPostPolicySize bounds the decoded policy document. AWS limits the
// whole form (without the file) to 20 KB, so a larger policy is never
// legitimate and is refused before it is parsed.
const MaxPostPolicySize = 64 << 10

// PostForm holds the fields of a multipart/form-data POST upload except
// the file, keyed by lower-case name: AWS compares field names without
// regard to case (SDKs send both "X-Amz-Date" and "x-amz-date").
type PostForm map[string]string

// NewPostForm builds a PostForm from fields named in any case.
func NewPostForm(fields map[string]string) (PostForm, error) {
	f := make(PostForm, len(fields))
	for name, value := range fields {
		if err := f.Add(name, value); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Add adds one field. A second field of the same name, in any case, is
// MalformedPOSTRequest: the policy would vouch for one value while the
// upload used the other.
func (f PostForm) Add(name, value string) error {
	lower := strings.ToLower(name)
	if _, dup := f[lower]; dup {
		return s3err.ErrMalformedPOSTRequest.WithMessage("The form field %s appears more than once.", lower)
	}
	f[lower] = value
	return nil
}

// Get returns the field's value, "" when absent.
func (f PostForm) Get(name string) string { return f[strings.ToLower(name)] }

// Has reports whether the field is present.
func (f PostForm) Has(name string) bool {
	_, ok := f[strings.ToLower(name)]
	return ok
}

// IsAnonymousPost reports whether f carries no signature at all (AWS
// accepts such uploads to publicly writable buckets).
func IsAnonymousPost(f PostForm) bool {
	for _, name := range []string{PostFieldSignature, PostFieldCredential, PostFieldAlgorithm, "awsaccesskeyid", "signature"} {
		if f.Has(name) {
			return false
		}
	}
	return true
}

// VerifyPost authenticates a SigV4 POST upload: the signature is the
// HMAC of the base64 policy field under the signing key of the
// credential's scope. It does not look inside the policy; parse it with
// ParsePostPolicy and Check it afterwards.
//
// The result has no Body and DecodedLength -1: the file is a part of the
// form, which the caller reads itself.
func (v *Verifier) VerifyPost(f PostForm) (*Result, error) {
	if err := requirePostAuthFields(f); err != nil {
		return nil, err
	}
	bad := s3err.ErrAuthorizationQueryMalformed
	c, err := parseCredential(f.Get(PostFieldCredential), bad)
	if err != nil {
		return nil, err
	}
	if err := checkPostDate(f.Get(PostFieldDate), c); err != nil {
		return nil, err
	}
	secret, err := v.lookup(c, bad)
	if err != nil {
		return nil, err
	}
	want := signature(v.signingKey(secret, c), f.Get(PostFieldPolicy))
	if !hmac.Equal([]byte(want), []byte(f.Get(PostFieldSignature))) {
		return nil, s3err.ErrSignatureDoesNotMatch
	}
	return &Result{AccessKey: c.accessKey, SessionToken: f.Get(PostFieldSecurityToken), Service: c.service, Region: c.region,
		DecodedLength: -1, malformed: bad}, nil
}

func requirePostAuthFields(f PostForm) error {
	if f.Has("awsaccesskeyid") && !f.Has(PostFieldAlgorithm) {
		return errSignatureV2
	}
	for _, name := range []string{PostFieldAlgorithm, PostFieldCredential, PostFieldDate, PostFieldSignature, PostFieldPolicy} {
		if f.Get(name) == "" {
			return s3err.ErrInvalidArgument.WithMessage("Bucket POST must contain a field named '%s'.", name)
		}
	}
	if f.Get(PostFieldAlgorithm) != algorithm {
		return s3err.ErrAuthorizationQueryMalformed.WithMessage("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	return nil
}

// checkPostDate checks the form of x-amz-date and that it names the
// credential's day. Its age is not checked: a POST form stays usable
// until the policy's expiration, which Check enforces.
func checkPostDate(amzDate string, c credential) error {
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return s3err.ErrMalformedPresignedDate
	}
	if t.Format(scopeDateFormat) != c.date {
		return s3err.ErrAuthorizationQueryMalformed.WithMessage("The credential scope date does not match X-Amz-Date.")
	}
	return nil
}

// Operators of POST policy conditions.
const (
	PostOpEq                 = "eq"
	PostOpStartsWith         = "starts-with"
	PostOpContentLengthRange = "content-length-range"
)

// PostCondition is one condition of a POST policy.
type PostCondition struct {
	Op string
	// Field is the lower-case form field name without the leading '$';
	// empty for content-length-range.
	Field string
	// Value is the exact value or prefix.
	Value string
	// Min and Max bound the file's length, for content-length-range.
	Min, Max int64
}

// String renders the condition as AWS quotes it in error messages.
func (c PostCondition) String() string {
	if c.Op == PostOpContentLengthRange {
		return fmt.Sprintf("[%q, %d, %d]", c.Op, c.Min, c.Max)
	}
	return fmt.Sprintf("[%q, %q, %q]", c.Op, "$"+c.Field, c.Value)
}

// PostPolicy is a decoded POST policy document.
type PostPolicy struct {
	Expiration time.Time
	Conditions []PostCondition
}

// ParsePostPolicy decodes the base64 policy form field. Anything
// malformed is InvalidPolicyDocument.
func ParsePostPolicy(encoded string) (*PostPolicy, error) {
	raw, err := decodePolicyBase64(encoded)
	if err != nil {
		return nil, err
	}
	// The document's keys are case-sensitive ("CONDITIONS" is not
	// "conditions"), which encoding/json's field matching is not.
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, invalidPolicy("Invalid JSON.")
	}
	var expiration *string
	var conditions *[]json.RawMessage
	for key, dst := range map[string]any{"expiration": &expiration, "conditions": &conditions} {
		if v, ok := doc[key]; ok && json.Unmarshal(v, dst) != nil {
			return nil, invalidPolicy("Invalid JSON.")
		}
	}
	if expiration == nil {
		return nil, invalidPolicy("Policy missing expiration.")
	}
	if conditions == nil {
		return nil, invalidPolicy("Policy missing conditions.")
	}
	exp, err := time.Parse(time.RFC3339, *expiration)
	if err != nil {
		return nil, invalidPolicy("Invalid 'expiration' value: '%s'", *expiration)
	}
	p := &PostPolicy{Expiration: exp}
	for _, rawCond := range *conditions {
		conds, err := parsePostCondition(rawCond)
		if err != nil {
			return nil, err
		}
		p.Conditions = append(p.Conditions, conds...)
	}
	return p, nil
}

func invalidPolicy(format string, args ...any) error {
	return s3err.ErrInvalidPolicyDocument.WithMessage("Invalid Policy: "+format, args...)
}

// decodePolicyBase64 tolerates the line breaks some encoders insert and
// missing padding; the signature covers the field as sent, not this.
func decodePolicyBase64(encoded string) ([]byte, error) {
	compact := strings.Join(strings.Fields(encoded), "")
	if base64.RawStdEncoding.DecodedLen(len(compact)) > MaxPostPolicySize+2 {
		return nil, invalidPolicy("Policy document is larger than %d bytes.", MaxPostPolicySize)
	}
	raw, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(compact); err != nil {
			return nil, invalidPolicy("Invalid Base64 encoding.")
		}
	}
	if len(raw) > MaxPostPolicySize {
		return nil, invalidPolicy("Policy document is larger than %d bytes.", MaxPostPolicySize)
	}
	if !utf8.Valid(raw) {
		return nil, invalidPolicy("Policy document is not UTF-8.")
	}
	return raw, nil
}

func parsePostCondition(raw json.RawMessage) ([]PostCondition, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // content-length-range bounds must stay exact integers
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalidPolicy("Invalid JSON.")
	}
	switch cond := v.(type) {
	case map[string]any:
		return parseExactConditions(cond)
	case []any:
		c, err := parseListCondition(cond)
		if err != nil {
			return nil, err
		}
		return []PostCondition{c}, nil
	}
	return nil, invalidPolicy("Invalid Condition: %s", raw)
}

// parseExactConditions reads {"field": "value", ...}, sorted by field so
// that errors name the same condition on every run.
func parseExactConditions(m map[string]any) ([]PostCondition, error) {
	if len(m) == 0 {
		return nil, invalidPolicy("Invalid Condition: empty object.")
	}
	conds := make([]PostCondition, 0, len(m))
	for name, val := range m {
		if name == "" {
			return nil, invalidPolicy("Invalid Condition: a condition names no field.")
		}
		s, ok := scalarText(val)
		if !ok {
			return nil, invalidPolicy("Invalid Condition: the value of %q must be a string.", name)
		}
		conds = append(conds, PostCondition{Op: PostOpEq, Field: strings.ToLower(name), Value: s})
	}
	slices.SortFunc(conds, func(a, b PostCondition) int { return strings.Compare(a.Field, b.Field) })
	return conds, nil
}

func parseListCondition(list []any) (PostCondition, error) {
	if len(list) != 3 {
		return PostCondition{}, invalidPolicy("Invalid Condition: a condition list must have three elements.")
	}
	op, _ := list[0].(string)
	switch op = strings.ToLower(op); op {
	case PostOpEq, PostOpStartsWith:
		return parseMatchCondition(op, list[1], list[2])
	case PostOpContentLengthRange:
		return parseLengthRange(list[1], list[2])
	}
	return PostCondition{}, invalidPolicy("Invalid Condition: unknown operator %q.", op)
}

func parseMatchCondition(op string, field, value any) (PostCondition, error) {
	name, _ := field.(string)
	name, ok := strings.CutPrefix(name, "$")
	if !ok || name == "" {
		return PostCondition{}, invalidPolicy("Invalid Condition: the field of %q must be a string starting with '$'.", op)
	}
	s, ok := scalarText(value)
	if !ok {
		return PostCondition{}, invalidPolicy("Invalid Condition: the value of %q must be a string.", op)
	}
	return PostCondition{Op: op, Field: strings.ToLower(name), Value: s}, nil
}

func parseLengthRange(lo, hi any) (PostCondition, error) {
	minLen, okMin := nonNegativeInt(lo)
	maxLen, okMax := nonNegativeInt(hi)
	if !okMin || !okMax || minLen > maxLen {
		return PostCondition{}, invalidPolicy("Invalid Condition: content-length-range needs two integers 0 <= min <= max.")
	}
	return PostCondition{Op: PostOpContentLengthRange, Min: minLen, Max: maxLen}, nil
}

// scalarText accepts strings and, leniently, numbers (a policy may write
// success_action_status as 201).
func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	}
	return "", false
}

// nonNegativeInt reads a JSON number or a string holding one: clients
// disagree on which they send.
func nonNegativeInt(v any) (int64, bool) {
	s, ok := scalarText(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n >= 0
}

// Check enforces the policy on the form: not expired at now, every
// condition holds, and every field is covered by some condition. The
// caller must first set f["key"] to the key after SubstituteFilename and
// f["bucket"] to the bucket of the request URL. The file's length is
// checked separately, by CheckLength.
func (p *PostPolicy) Check(f PostForm, now time.Time) error {
	if now.After(p.Expiration) {
		return policyDenied("Policy expired.")
	}
	covered := make(map[string]bool, len(p.Conditions))
	for _, c := range p.Conditions {
		if c.Op == PostOpContentLengthRange {
			continue
		}
		covered[c.Field] = true
		if !c.holds(f.Get(c.Field)) {
			return policyDenied("Policy Condition failed: %s", c)
		}
	}
	if extra := extraPostFields(f, covered); len(extra) > 0 {
		return policyDenied("Extra input fields: %s", strings.Join(extra, ", "))
	}
	return nil
}

func policyDenied(format string, args ...any) error {
	return s3err.ErrAccessDenied.WithMessage("Invalid according to Policy: "+format, args...)
}

// holds tests one eq or starts-with condition. An absent field has the
// value "", so starts-with "" admits anything, present or not. As AWS
// documents, a Content-Type holding a comma-separated list passes
// starts-with only when every element does.
func (c PostCondition) holds(value string) bool {
	if c.Op == PostOpEq {
		return value == c.Value
	}
	if c.Field == "content-type" && strings.Contains(value, ",") {
		for _, part := range strings.Split(value, ",") {
			if !strings.HasPrefix(strings.TrimSpace(part), c.Value) {
				return false
			}
		}
		return true
	}
	return strings.HasPrefix(value, c.Value)
}

// extraPostFields lists, sorted, the fields no condition covers, except
// those AWS exempts (x-amz-signature, file, policy, x-ignore-*) and the
// bucket, which the caller takes from the URL.
func extraPostFields(f PostForm, covered map[string]bool) []string {
	var extra []string
	for name := range f {
		if covered[name] || exemptPostField(name) {
			continue
		}
		extra = append(extra, name)
	}
	slices.Sort(extra)
	return extra
}

func exemptPostField(name string) bool {
	switch name {
	case PostFieldSignature, PostFieldFile, PostFieldPolicy, PostFieldBucket,
		// The signature fields of a Signature Version 2 form.
		"awsaccesskeyid", "signature":
		return true
	}
	// A checksum field needs no condition: it cannot change what is
	// stored, only refuse a file that does not match it (ceph/s3-tests'
	// test_post_object_upload_checksum sends one its policy does not name).
	return strings.HasPrefix(name, "x-ignore-") || strings.HasPrefix(name, "x-amz-checksum-")
}

// CheckLength enforces every content-length-range condition on the
// file's length n: EntityTooSmall or EntityTooLarge, as AWS answers.
func (p *PostPolicy) CheckLength(n int64) error {
	for _, c := range p.Conditions {
		if c.Op != PostOpContentLengthRange {
			continue
		}
		if n < c.Min {
			return s3err.ErrEntityTooSmall.WithMessage("Your proposed upload is smaller than the minimum allowed size")
		}
		if n > c.Max {
			return s3err.ErrEntityTooLarge.WithMessage("Your proposed upload exceeds the maximum allowed size")
		}
	}
	return nil
}

// LengthRange returns the intersection of the content-length-range
// conditions, so that the caller can stop reading the file at max+1
// bytes instead of storing it first; ok is false when there is none.
func (p *PostPolicy) LengthRange() (minLen, maxLen int64, ok bool) {
	for _, c := range p.Conditions {
		if c.Op != PostOpContentLengthRange {
			continue
		}
		if !ok {
			minLen, maxLen, ok = c.Min, c.Max, true
			continue
		}
		minLen, maxLen = max(minLen, c.Min), min(maxLen, c.Max)
	}
	return minLen, maxLen, ok
}

// SubstituteFilename replaces every ${filename} in key with the name of
// the uploaded file. As AWS documents, a path in the file name (some
// browsers send C:\dir\file.txt) is cut to what follows its last slash
// or backslash, and no file name substitutes the empty string.
func SubstituteFilename(key, filename string) string {
	if i := strings.LastIndexAny(filename, `/\`); i >= 0 {
		filename = filename[i+1:]
	}
	return strings.ReplaceAll(key, "${filename}", filename)
}
