package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kurastore/kura/s3err"
)

// The signing side as browser-upload clients implement it, written out
// here rather than calling SigningKey so that the test checks the
// verifier against the algorithm, not against itself.
func testHMAC(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func postSignature(secret, policyB64, date, region string) string {
	k := testHMAC([]byte("AWS4"+secret), date)
	k = testHMAC(k, region)
	k = testHMAC(k, "s3")
	k = testHMAC(k, "aws4_request")
	return hex.EncodeToString(testHMAC(k, policyB64))
}

type postSigning struct {
	secret, region string
	at             time.Time
}

var goodSigning = postSigning{secret: testSK, region: "us-east-1", at: testNow}

// signedPost builds the auth fields of a form posting policyJSON, plus
// extra fields.
func signedPost(s postSigning, policyJSON string, extra map[string]string) PostForm {
	b64 := base64.StdEncoding.EncodeToString([]byte(policyJSON))
	date := s.at.UTC().Format("20060102")
	f := PostForm{
		"policy":           b64,
		"x-amz-algorithm":  "AWS4-HMAC-SHA256",
		"x-amz-credential": testAK + "/" + date + "/" + s.region + "/s3/aws4_request",
		"x-amz-date":       s.at.UTC().Format("20060102T150405Z"),
		"x-amz-signature":  postSignature(s.secret, b64, date, s.region),
	}
	for k, v := range extra {
		f[strings.ToLower(k)] = v
	}
	return f
}

const simplePolicy = `{"expiration":"2026-11-27T12:00:00.000Z","conditions":[{"bucket":"photos"},["starts-with","$key","user/"]]}`

func wantS3Err(t *testing.T, err, want error, msgPart string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	if !strings.Contains(s3err.From(err).Message, msgPart) {
		t.Fatalf("message %q does not contain %q", s3err.From(err).Message, msgPart)
	}
}

func TestVerifyPost(t *testing.T) {
	mutate := func(f func(PostForm)) PostForm {
		form := signedPost(goodSigning, simplePolicy, nil)
		f(form)
		return form
	}
	tests := []struct {
		name string
		form PostForm
		want error
		msg  string
	}{
		{"valid", signedPost(goodSigning, simplePolicy, nil), nil, ""},
		{"valid with security token", signedPost(goodSigning, simplePolicy, map[string]string{"X-Amz-Security-Token": "tok"}), nil, ""},
		{"wrong secret", signedPost(postSigning{secret: "other", region: "us-east-1", at: testNow}, simplePolicy, nil), s3err.ErrSignatureDoesNotMatch, ""},
		{"policy altered after signing", mutate(func(f PostForm) {
			f["policy"] = base64.StdEncoding.EncodeToString([]byte(strings.Replace(simplePolicy, "user/", "", 1)))
		}), s3err.ErrSignatureDoesNotMatch, ""},
		{"uppercase hex signature", mutate(func(f PostForm) { f["x-amz-signature"] = strings.ToUpper(f["x-amz-signature"]) }), s3err.ErrSignatureDoesNotMatch, ""},
		{"wrong region", signedPost(postSigning{secret: testSK, region: "eu-west-1", at: testNow}, simplePolicy, nil), s3err.ErrAuthorizationQueryMalformed, "region 'eu-west-1' is wrong"},
		{"unknown access key", mutate(func(f PostForm) {
			f["x-amz-credential"] = strings.Replace(f["x-amz-credential"], testAK, "NOSUCHKEY", 1)
		}), s3err.ErrInvalidAccessKeyID, ""},
		{"wrong algorithm", mutate(func(f PostForm) { f["x-amz-algorithm"] = "AWS4-HMAC-SHA1" }), s3err.ErrAuthorizationQueryMalformed, "X-Amz-Algorithm"},
		{"credential not a scope", mutate(func(f PostForm) { f["x-amz-credential"] = testAK + "/20261124/us-east-1" }), s3err.ErrAuthorizationQueryMalformed, ""},
		{"credential for another service", mutate(func(f PostForm) {
			f["x-amz-credential"] = strings.Replace(f["x-amz-credential"], "/s3/", "/sqs/", 1)
		}), s3err.ErrAuthorizationQueryMalformed, "sqs"},
		{"malformed date", mutate(func(f PostForm) { f["x-amz-date"] = "2026-11-24T12:00:00Z" }), s3err.ErrMalformedPresignedDate, ""},
		{"date of another day than the scope", mutate(func(f PostForm) { f["x-amz-date"] = "20261125T120000Z" }), s3err.ErrAuthorizationQueryMalformed, "scope date"},
		{"missing policy", mutate(func(f PostForm) { delete(f, "policy") }), s3err.ErrInvalidArgument, "'policy'"},
		{"missing signature", mutate(func(f PostForm) { delete(f, "x-amz-signature") }), s3err.ErrInvalidArgument, "'x-amz-signature'"},
		{"missing date", mutate(func(f PostForm) { delete(f, "x-amz-date") }), s3err.ErrInvalidArgument, "'x-amz-date'"},
		{"signature version 2", PostForm{"awsaccesskeyid": testAK, "signature": "x", "policy": "e30="}, s3err.ErrAccessDenied, "Version 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := verifier().VerifyPost(tt.form)
			wantS3Err(t, err, tt.want, tt.msg)
			if err != nil {
				return
			}
			if res.AccessKey != testAK || res.SessionToken != tt.form["x-amz-security-token"] || res.DecodedLength != -1 || res.Body != nil {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

func TestIsAnonymousPost(t *testing.T) {
	if !IsAnonymousPost(PostForm{"key": "k", "policy": "p"}) {
		t.Fatal("a form without signature fields is anonymous")
	}
	if IsAnonymousPost(signedPost(goodSigning, simplePolicy, nil)) {
		t.Fatal("a signed form is not anonymous")
	}
}

func TestPostFormNamesIgnoreCase(t *testing.T) {
	f, err := NewPostForm(map[string]string{"X-Amz-Date": "d", "Content-Type": "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Get("x-amz-date") != "d" || f.Get("CONTENT-TYPE") != "text/plain" || !f.Has("content-type") || f.Has("key") {
		t.Fatalf("form %v", f)
	}
	_, err = NewPostForm(map[string]string{"Key": "a", "key": "b"})
	wantS3Err(t, err, s3err.ErrMalformedPOSTRequest, "key")
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestParsePostPolicy(t *testing.T) {
	valid := []struct {
		name, doc string
		want      []PostCondition
	}{
		{"exact object and lists", `{"expiration":"2026-11-27T12:00:00.000Z","conditions":[{"acl":"public-read"},["eq","$Key","a"],["starts-with","$Content-Type","image/"]]}`,
			[]PostCondition{{Op: "eq", Field: "acl", Value: "public-read"}, {Op: "eq", Field: "key", Value: "a"}, {Op: "starts-with", Field: "content-type", Value: "image/"}}},
		{"object with several fields is sorted", `{"expiration":"2026-11-27T12:00:00Z","conditions":[{"key":"k","bucket":"b"}]}`,
			[]PostCondition{{Op: "eq", Field: "bucket", Value: "b"}, {Op: "eq", Field: "key", Value: "k"}}},
		{"length range as numbers", `{"expiration":"2026-11-27T12:00:00Z","conditions":[["content-length-range",1,1048576]]}`,
			[]PostCondition{{Op: "content-length-range", Min: 1, Max: 1048576}}},
		{"length range as strings", `{"expiration":"2026-11-27T12:00:00Z","conditions":[["content-length-range","0"," 10"]]}`,
			[]PostCondition{{Op: "content-length-range", Min: 0, Max: 10}}},
		{"numeric value", `{"expiration":"2026-11-27T12:00:00Z","conditions":[{"success_action_status":201}]}`,
			[]PostCondition{{Op: "eq", Field: "success_action_status", Value: "201"}}},
		{"operator in capitals", `{"expiration":"2026-11-27T12:00:00Z","conditions":[["Starts-With","$key",""]]}`,
			[]PostCondition{{Op: "starts-with", Field: "key", Value: ""}}},
		{"no conditions", `{"expiration":"2026-11-27T12:00:00Z","conditions":[]}`, nil},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePostPolicy(b64(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if !p.Expiration.Equal(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)) {
				t.Fatalf("expiration %v", p.Expiration)
			}
			if len(p.Conditions) != len(tt.want) {
				t.Fatalf("conditions %+v, want %+v", p.Conditions, tt.want)
			}
			for i := range tt.want {
				if p.Conditions[i] != tt.want[i] {
					t.Fatalf("condition %d: %+v, want %+v", i, p.Conditions[i], tt.want[i])
				}
			}
		})
	}

	raw := base64.RawStdEncoding.EncodeToString([]byte(simplePolicy))
	wrapped := b64(simplePolicy)[:20] + "\r\n" + b64(simplePolicy)[20:]
	for name, enc := range map[string]string{"unpadded": raw, "line-wrapped": wrapped} {
		if _, err := ParsePostPolicy(enc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	huge := `{"expiration":"2026-11-27T12:00:00Z","conditions":[{"x-ignore-pad":"` + strings.Repeat("a", MaxPostPolicySize) + `"}]}`
	malformed := []struct{ name, encoded, msg string }{
		{"not base64", "***", "Base64"},
		{"not JSON", b64("expiration"), "JSON"},
		{"JSON array", b64("[]"), "JSON"},
		{"trailing data", b64(simplePolicy + "{}"), "JSON"},
		{"not UTF-8", b64("{\"expiration\":\"2026-11-27T12:00:00Z\",\"conditions\":[{\"key\":\"\xff\"}]}"), "UTF-8"},
		{"too large", b64(huge), "larger"},
		{"no expiration", b64(`{"conditions":[]}`), "expiration"},
		{"bad expiration", b64(`{"expiration":"27 Nov 2026","conditions":[]}`), "expiration"},
		{"no conditions", b64(`{"expiration":"2026-11-27T12:00:00Z"}`), "conditions"},
		{"conditions not a list", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":{"key":"a"}}`), "JSON"},
		{"CONDITIONS is not conditions", b64(`{"expiration":"2026-11-27T12:00:00Z","CONDITIONS":[]}`), "conditions"},
		{"EXPIRATION is not expiration", b64(`{"EXPIRATION":"2026-11-27T12:00:00Z","conditions":[]}`), "expiration"},
		{"expiration not a string", b64(`{"expiration":5,"conditions":[]}`), "JSON"},
		{"condition a number", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[123]}`), "Condition"},
		{"empty object", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[{}]}`), "Condition"},
		{"object value a list", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[{"key":["a"]}]}`), "Condition"},
		{"two elements", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["eq","$key"]]}`), "three"},
		{"unknown operator", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["in","$key","a"]]}`), "operator"},
		{"field without $", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["eq","key","a"]]}`), "'$'"},
		{"field just $", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["eq","$","a"]]}`), "'$'"},
		{"value a list", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["eq","$key",["a"]]]}`), "string"},
		{"negative length", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["content-length-range",-1,10]]}`), "content-length-range"},
		{"min above max", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["content-length-range",11,10]]}`), "content-length-range"},
		{"fractional length", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["content-length-range",0,1.5]]}`), "content-length-range"},
		{"length overflows", b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["content-length-range",0,99999999999999999999]]}`), "content-length-range"},
	}
	for _, tt := range malformed {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePostPolicy(tt.encoded)
			wantS3Err(t, err, s3err.ErrInvalidPolicyDocument, tt.msg)
			if s3err.From(err).HTTPStatus != 400 {
				t.Fatalf("status %d", s3err.From(err).HTTPStatus)
			}
		})
	}
}

// policyDoc renders a policy expiring at testNow+1h with conditions.
func policyDoc(conditions ...any) string {
	if conditions == nil {
		conditions = []any{}
	}
	b, err := json.Marshal(map[string]any{"expiration": testNow.Add(time.Hour).Format("2006-01-02T15:04:05.000Z"), "conditions": conditions})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestPostPolicyCheck(t *testing.T) {
	type fields = map[string]string
	tests := []struct {
		name string
		cond []any
		form fields
		want string // "" passes; otherwise part of the AccessDenied message
	}{
		{"eq holds", []any{[]string{"eq", "$key", "a/b"}}, fields{"key": "a/b"}, ""},
		{"eq fails", []any{[]string{"eq", "$key", "a/b"}}, fields{"key": "a/c"}, `Policy Condition failed: ["eq", "$key", "a/b"]`},
		{"eq on absent field fails", []any{[]string{"eq", "$acl", "private"}}, fields{}, "Policy Condition failed"},
		{"exact object holds", []any{map[string]string{"acl": "public-read"}}, fields{"acl": "public-read"}, ""},
		{"exact object fails", []any{map[string]string{"acl": "public-read"}}, fields{"acl": "private"}, `["eq", "$acl", "public-read"]`},
		{"starts-with holds", []any{[]string{"starts-with", "$key", "user/eric/"}}, fields{"key": "user/eric/photo.jpg"}, ""},
		{"starts-with fails", []any{[]string{"starts-with", "$key", "user/eric/"}}, fields{"key": "user/ann/photo.jpg"}, `["starts-with", "$key", "user/eric/"]`},
		{"starts-with empty admits anything", []any{[]string{"starts-with", "$key", ""}}, fields{"key": "anything"}, ""},
		{"starts-with empty admits absence", []any{[]string{"starts-with", "$success_action_redirect", ""}}, fields{}, ""},
		{"content-type list all match", []any{[]string{"starts-with", "$Content-Type", "image/"}}, fields{"content-type": "image/jpeg, image/png"}, ""},
		{"content-type list one fails", []any{[]string{"starts-with", "$Content-Type", "image/"}}, fields{"content-type": "image/jpeg,text/html"}, `["starts-with", "$content-type", "image/"]`},
		{"metadata", []any{[]string{"eq", "$x-amz-meta-uuid", "14365123651274"}}, fields{"x-amz-meta-uuid": "14365123651274"}, ""},
		{"metadata fails", []any{[]string{"starts-with", "$x-amz-meta-tag", "ok"}}, fields{"x-amz-meta-tag": "bad"}, "x-amz-meta-tag"},
		{"success_action_status", []any{map[string]string{"success_action_status": "201"}}, fields{"success_action_status": "201"}, ""},
		{"success_action_status fails", []any{map[string]string{"success_action_status": "201"}}, fields{"success_action_status": "200"}, "success_action_status"},
		{"success_action_redirect", []any{[]string{"starts-with", "$success_action_redirect", "https://example.com/"}}, fields{"success_action_redirect": "https://example.com/done"}, ""},
		{"success_action_redirect fails", []any{[]string{"starts-with", "$success_action_redirect", "https://example.com/"}}, fields{"success_action_redirect": "https://evil.example/"}, "success_action_redirect"},
		{"Cache-Control names in any case", []any{[]string{"eq", "$CACHE-control", "max-age=60"}}, fields{"cache-control": "max-age=60"}, ""},
		{"bucket holds", []any{map[string]string{"bucket": "photos"}}, fields{"bucket": "photos"}, ""},
		{"bucket fails", []any{map[string]string{"bucket": "photos"}}, fields{"bucket": "other"}, `["eq", "$bucket", "photos"]`},
		{"bucket needs no condition", nil, fields{"bucket": "photos"}, ""},
		{"values are case-sensitive", []any{map[string]string{"acl": "private"}}, fields{"acl": "Private"}, "Policy Condition failed"},
		{"extra field", []any{[]string{"starts-with", "$key", ""}}, fields{"key": "k", "content-type": "text/plain"}, "Extra input fields: content-type"},
		{"extra fields sorted", nil, fields{"x-amz-meta-b": "1", "acl": "private"}, "Extra input fields: acl, x-amz-meta-b"},
		{"exempt fields", nil, fields{"x-amz-signature": "s", "policy": "p", "file": "", "x-ignore-me": "1", "X-Ignore-Too": "1"}, ""},
		{"Version 2 signature fields exempt", nil, fields{"AWSAccessKeyId": "k", "signature": "s"}, ""},
		{"checksum fields exempt", nil, fields{"x-amz-checksum-sha256": "c", "x-amz-checksum-crc32": "c"}, ""},
		{"auth fields must be covered", nil, fields{"x-amz-credential": "c"}, "Extra input fields: x-amz-credential"},
		{"length range covers no field", []any{[]any{"content-length-range", 0, 10}}, fields{"content-length-range": "5"}, "Extra input fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePostPolicy(b64(policyDoc(tt.cond...)))
			if err != nil {
				t.Fatal(err)
			}
			form, err := NewPostForm(tt.form)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Check(form, testNow)
			if tt.want == "" {
				wantS3Err(t, err, nil, "")
				return
			}
			wantS3Err(t, err, s3err.ErrAccessDenied, "Invalid according to Policy: ")
			wantS3Err(t, err, s3err.ErrAccessDenied, tt.want)
			if s3err.From(err).HTTPStatus != 403 {
				t.Fatalf("status %d", s3err.From(err).HTTPStatus)
			}
		})
	}
}

func TestPostPolicyExpiry(t *testing.T) {
	p, err := ParsePostPolicy(b64(policyDoc()))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(PostForm{}, p.Expiration); err != nil {
		t.Fatalf("at the expiration instant: %v", err)
	}
	err = p.Check(PostForm{}, p.Expiration.Add(time.Millisecond))
	wantS3Err(t, err, s3err.ErrAccessDenied, "Invalid according to Policy: Policy expired.")
}

func TestPostPolicyCheckLength(t *testing.T) {
	p, err := ParsePostPolicy(b64(policyDoc([]any{"content-length-range", 10, 100})))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		n    int64
		want error
	}{
		{9, s3err.ErrEntityTooSmall},
		{10, nil},
		{100, nil},
		{101, s3err.ErrEntityTooLarge},
	}
	for _, tt := range tests {
		err := p.CheckLength(tt.n)
		if !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
			t.Errorf("length %d: %v, want %v", tt.n, err, tt.want)
		}
		if err != nil && s3err.From(err).HTTPStatus != 400 {
			t.Errorf("length %d: status %d", tt.n, s3err.From(err).HTTPStatus)
		}
	}
	lo, hi, ok := p.LengthRange()
	if lo != 10 || hi != 100 || !ok {
		t.Fatalf("range %d..%d %v", lo, hi, ok)
	}
}

func TestPostPolicyLengthRangeIntersects(t *testing.T) {
	p, err := ParsePostPolicy(b64(policyDoc([]any{"content-length-range", 10, 100}, []any{"content-length-range", 5, 50})))
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi, ok := p.LengthRange(); lo != 10 || hi != 50 || !ok {
		t.Fatalf("range %d..%d %v", lo, hi, ok)
	}
	if err := p.CheckLength(51); !errors.Is(err, s3err.ErrEntityTooLarge) {
		t.Fatalf("51: %v", err)
	}
	none, _ := ParsePostPolicy(b64(policyDoc()))
	if _, _, ok := none.LengthRange(); ok || none.CheckLength(1<<40) != nil {
		t.Fatal("no range limits nothing")
	}
}

func TestSubstituteFilename(t *testing.T) {
	tests := []struct{ key, filename, want string }{
		{"uploads/${filename}", "photo.jpg", "uploads/photo.jpg"},
		{"uploads/${filename}", `C:\Program Files\dir\file.txt`, "uploads/file.txt"},
		{"uploads/${filename}", "/home/u/a.txt", "uploads/a.txt"},
		{"uploads/${filename}", "", "uploads/"},
		{"${filename}/${filename}", "x", "x/x"},
		{"fixed", "x", "fixed"},
		{"uploads/${FILENAME}", "x", "uploads/${FILENAME}"},
	}
	for _, tt := range tests {
		if got := SubstituteFilename(tt.key, tt.filename); got != tt.want {
			t.Errorf("SubstituteFilename(%q, %q) = %q, want %q", tt.key, tt.filename, got, tt.want)
		}
	}
}

// TestPostEndToEnd is the handler's sequence on a signed form whose key
// uses ${filename}.
func TestPostEndToEnd(t *testing.T) {
	doc := policyDoc(
		map[string]string{"bucket": "photos"},
		[]string{"starts-with", "$key", "user/eric/"},
		map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256"},
		map[string]string{"x-amz-credential": testAK + "/20261124/us-east-1/s3/aws4_request"},
		map[string]string{"x-amz-date": "20261124T120000Z"},
		[]string{"starts-with", "$Content-Type", ""},
		[]any{"content-length-range", "1", "1024"},
	)
	form := signedPost(goodSigning, doc, map[string]string{"Key": "user/eric/${filename}", "Content-Type": "image/png"})
	if _, err := verifier().VerifyPost(form); err != nil {
		t.Fatal(err)
	}
	p, err := ParsePostPolicy(form.Get("policy"))
	if err != nil {
		t.Fatal(err)
	}
	form["key"] = SubstituteFilename(form.Get("key"), "cat.png")
	form["bucket"] = "photos"
	if err := p.Check(form, testNow); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckLength(512); err != nil {
		t.Fatal(err)
	}
	form["key"] = SubstituteFilename("user/${filename}", "cat.png")
	if err := p.Check(form, testNow); !errors.Is(err, s3err.ErrAccessDenied) {
		t.Fatalf("key outside the prefix: %v", err)
	}
}

// TestPostAgainstSDKs verifies forms made by the AWS SDK for Go and by
// minio-go, as browsers would submit them.
func TestPostAgainstSDKs(t *testing.T) {
	v := verifier()
	v.Now = nil // the SDKs sign with the real clock
	for name, fields := range map[string]map[string]string{"aws-sdk-go-v2": awsPostFields(t), "minio-go": minioPostFields(t)} {
		t.Run(name, func(t *testing.T) {
			form, err := NewPostForm(fields)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.VerifyPost(form)
			if err != nil {
				t.Fatal(err)
			}
			if res.AccessKey != testAK {
				t.Fatalf("access key %q", res.AccessKey)
			}
			p, err := ParsePostPolicy(form.Get("policy"))
			if err != nil {
				t.Fatal(err)
			}
			form["bucket"] = "photos"
			if err := p.Check(form, time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := p.CheckLength(10); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func awsPostFields(t *testing.T) map[string]string {
	t.Helper()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(testAK, testSK, ""),
		BaseEndpoint: aws.String("http://127.0.0.1:9000"),
		UsePathStyle: true,
	})
	req, err := s3.NewPresignClient(client).PresignPostObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String("user/eric/cat.png")},
		func(o *s3.PresignPostOptions) {
			o.Conditions = []any{[]any{"content-length-range", 1, 1024}}
		})
	if err != nil {
		t.Fatal(err)
	}
	return req.Values
}

func minioPostFields(t *testing.T) map[string]string {
	t.Helper()
	client, err := minio.New("127.0.0.1:9000", &minio.Options{Creds: miniocreds.NewStaticV4(testAK, testSK, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	p := minio.NewPostPolicy()
	for _, err := range []error{
		p.SetBucket("photos"),
		p.SetKey("user/eric/cat.png"),
		p.SetExpires(time.Now().Add(time.Hour)),
		p.SetContentType("image/png"),
		p.SetContentLengthRange(1, 1024),
		p.SetUserMetadata("owner", "eric"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, fields, err := client.PresignedPostPolicy(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return fields
}

func FuzzParsePostPolicy(f *testing.F) {
	for _, seed := range []string{
		b64(simplePolicy),
		b64(policyDoc([]any{"content-length-range", "0", 10}, map[string]any{"acl": "private", "n": 5})),
		b64(`{"expiration":"2026-11-27T12:00:00Z","conditions":[["eq","$key"],123,{}]}`),
		b64(`{"expiration":"x"}`),
		"not base64!",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, encoded string) {
		p, err := ParsePostPolicy(encoded)
		if err != nil {
			if !errors.Is(err, s3err.ErrInvalidPolicyDocument) {
				t.Fatalf("error %v is not InvalidPolicyDocument", err)
			}
			return
		}
		for _, c := range p.Conditions {
			switch c.Op {
			case PostOpEq, PostOpStartsWith:
				if c.Field == "" || c.Field != strings.ToLower(c.Field) {
					t.Fatalf("condition %+v", c)
				}
			case PostOpContentLengthRange:
				if c.Min < 0 || c.Min > c.Max {
					t.Fatalf("condition %+v", c)
				}
			default:
				t.Fatalf("operator %q", c.Op)
			}
		}
		_ = p.Check(PostForm{"key": "k", "bucket": "b"}, testNow)
		_ = p.CheckLength(5)
	})
}
