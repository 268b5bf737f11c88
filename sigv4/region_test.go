package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kurastore/kura/s3err"
)

// The region tests sign with AWS's own signer for a region, and check
// what a verifier serving us-east-1 makes of it.

func awsSignedFor(t *testing.T, region string) *http.Request {
	t.Helper()
	body := []byte("payload")
	r, err := http.NewRequest("PUT", "http://127.0.0.1:9000/bucket/key", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	r.Header.Set("X-Amz-Content-Sha256", h)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSK}, r, h, "s3", region, testNow); err != nil {
		t.Fatal(err)
	}
	return r
}

func awsPresignedFor(t *testing.T, region string) *http.Request {
	t.Helper()
	r, _ := http.NewRequest("GET", "http://127.0.0.1:9000/bucket/key?X-Amz-Expires=60", nil)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSK}, r, UnsignedPayload, "s3", region, testNow)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := http.NewRequest("GET", u, nil)
	return out
}

// regionVerifier is verifier() admitting eu-central-1 besides us-east-1,
// counting the admission questions and the secret lookups it makes.
func regionVerifier(asked, lookups *int) *Verifier {
	v := verifier()
	lookup := v.Lookup
	v.Lookup = func(ak string) (string, error) {
		*lookups++
		return lookup(ak)
	}
	v.OtherRegion = func(region string) bool {
		*asked++
		return region == "eu-central-1"
	}
	return v
}

// wantWrongRegion checks err is the wrong-region error of its form,
// naming got and expected, with expected as its <Region>.
func wantWrongRegion(t *testing.T, what string, err, want error, got, expected string) {
	t.Helper()
	e := s3err.From(err)
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
	if msg := "the region '" + got + "' is wrong; expecting '" + expected + "'"; !strings.Contains(e.Message, msg) {
		t.Errorf("%s: message %q lacks %q", what, e.Message, msg)
	}
	if e.Region != expected {
		t.Errorf("%s: Region %q, want %q", what, e.Region, expected)
	}
}

func TestVerifyRegionWithoutOtherRegion(t *testing.T) {
	_, err := verifier().Verify(awsSignedFor(t, "eu-central-1"))
	wantWrongRegion(t, "header", err, s3err.ErrAuthorizationHeaderMalformed, "eu-central-1", "us-east-1")
	if !strings.HasPrefix(s3err.From(err).Message, "The authorization header is malformed;") {
		t.Errorf("header message %q", s3err.From(err).Message)
	}
	_, err = verifier().Verify(awsPresignedFor(t, "eu-central-1"))
	wantWrongRegion(t, "presigned", err, s3err.ErrAuthorizationQueryMalformed, "eu-central-1", "us-east-1")
	if !strings.HasPrefix(s3err.From(err).Message, "Error parsing the X-Amz-Credential parameter;") {
		t.Errorf("presigned message %q", s3err.From(err).Message)
	}
}

func TestVerifyOtherRegion(t *testing.T) {
	var asked, lookups int
	v := regionVerifier(&asked, &lookups)
	// The server's region: admitted without asking.
	for _, r := range []*http.Request{awsSignedFor(t, "us-east-1"), awsPresignedFor(t, "us-east-1")} {
		res, err := v.Verify(r)
		if err != nil || res.Region != "us-east-1" {
			t.Fatalf("us-east-1: %v, region %v", err, res)
		}
	}
	if asked != 0 {
		t.Fatalf("OtherRegion asked %d times about the server's region", asked)
	}
	// An admitted region is verified with its own key and reported.
	res, err := v.Verify(awsSignedFor(t, "eu-central-1"))
	if err != nil || res.Region != "eu-central-1" {
		t.Fatalf("eu-central-1 header: %v %+v", err, res)
	}
	if got, err := readAll(t, res); err != nil || string(got) != "payload" {
		t.Fatalf("body %q %v", got, err)
	}
	wantWrongRegion(t, "header WrongRegion", res.WrongRegion("us-west-2"), s3err.ErrAuthorizationHeaderMalformed, "eu-central-1", "us-west-2")
	res, err = v.Verify(awsPresignedFor(t, "eu-central-1"))
	if err != nil || res.Region != "eu-central-1" || !res.Presigned {
		t.Fatalf("eu-central-1 presigned: %v %+v", err, res)
	}
	wantWrongRegion(t, "presigned WrongRegion", res.WrongRegion("us-east-1"), s3err.ErrAuthorizationQueryMalformed, "eu-central-1", "us-east-1")
	if asked != 2 {
		t.Fatalf("OtherRegion asked %d times, want 2", asked)
	}
	// A region it refuses is refused before the secret is looked up.
	before := lookups
	_, err = v.Verify(awsSignedFor(t, "us-west-2"))
	wantWrongRegion(t, "refused region", err, s3err.ErrAuthorizationHeaderMalformed, "us-west-2", "us-east-1")
	if lookups != before {
		t.Fatal("secret looked up for a refused region")
	}
}

// The signing key is the scope's: a signature made with another region's
// key under an admitted scope does not match.
func TestVerifyOtherRegionUsesScopeKey(t *testing.T) {
	var asked, lookups int
	r := awsSignedFor(t, "us-east-1")
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-east-1/", "/eu-central-1/", 1))
	if _, err := regionVerifier(&asked, &lookups).Verify(r); !errors.Is(err, s3err.ErrSignatureDoesNotMatch) {
		t.Fatalf("us-east-1 signature under an eu-central-1 scope: %v", err)
	}
	r = awsSignedFor(t, "eu-central-1")
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/eu-central-1/", "/us-east-1/", 1))
	if _, err := regionVerifier(&asked, &lookups).Verify(r); !errors.Is(err, s3err.ErrSignatureDoesNotMatch) {
		t.Fatalf("eu-central-1 signature under a us-east-1 scope: %v", err)
	}
}

func TestVerifyPostOtherRegion(t *testing.T) {
	form := signedPost(postSigning{secret: testSK, region: "eu-central-1", at: testNow}, simplePolicy, nil)
	_, err := verifier().VerifyPost(form)
	wantWrongRegion(t, "POST, no other region", err, s3err.ErrAuthorizationQueryMalformed, "eu-central-1", "us-east-1")
	var asked, lookups int
	v := regionVerifier(&asked, &lookups)
	res, err := v.VerifyPost(form)
	if err != nil || res.Region != "eu-central-1" {
		t.Fatalf("POST for eu-central-1: %v %+v", err, res)
	}
	wantWrongRegion(t, "POST WrongRegion", res.WrongRegion("us-east-1"), s3err.ErrAuthorizationQueryMalformed, "eu-central-1", "us-east-1")
	_, err = v.VerifyPost(signedPost(postSigning{secret: testSK, region: "ap-south-1", at: testNow}, simplePolicy, nil))
	wantWrongRegion(t, "POST refused region", err, s3err.ErrAuthorizationQueryMalformed, "ap-south-1", "us-east-1")
	// Signed with us-east-1's key under an eu-central-1 scope.
	bad := signedPost(goodSigning, simplePolicy, nil)
	bad["x-amz-credential"] = strings.Replace(bad["x-amz-credential"], "/us-east-1/", "/eu-central-1/", 1)
	if _, err := v.VerifyPost(bad); !errors.Is(err, s3err.ErrSignatureDoesNotMatch) {
		t.Fatalf("POST signed for another region's key: %v", err)
	}
}
