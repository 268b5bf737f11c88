package integration

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// TestBoto3AccessLog enables server access logging with boto3 and reads
// the delivered log objects back.
func TestBoto3AccessLog(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t, "--access-log-interval", "500ms")
	runScript(t, py, s, "boto3_access_log.py", "boto3 access log")
}

// TestKillNineKeepsAccessLogRecords: the records of requests answered
// before kill -9 are delivered after the restart, in order, once each.
func TestKillNineKeepsAccessLogRecords(t *testing.T) {
	// Nothing is delivered before the kill: every record is still queued.
	// Through gateways, the lease of the killed deliverer runs out first
	// (30s).
	s := startServer(t, "--access-log-interval", "1h")
	now := time.Now
	req := func(method, path string, body []byte) rawResponse {
		return do(t, s.signed(t, method, path, body, s.secretKey, now()))
	}
	expectStatus(t, "create src", req("PUT", "/src", nil), 200)
	expectStatus(t, "create logs", req("PUT", "/logs", nil), 200)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*"}]}`
	expectStatus(t, "policy", req("PUT", "/logs?policy", []byte(policy)), 204)
	status := `<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>crash/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`
	expectStatus(t, "logging", req("PUT", "/src?logging", []byte(status)), 200)
	const n = 40
	var ids []string
	for i := range n {
		r := req("PUT", fmt.Sprintf("/src/k%03d", i), []byte("data"))
		expectStatus(t, "put", r, 200)
		ids = append(ids, r.header.Get("x-amz-request-id"))
	}
	if keys := listKeys(t, s, req); len(keys) != 0 {
		t.Fatalf("delivered before the kill: %q", keys)
	}
	s.kill9()
	s.setFlag("--access-log-interval", "200ms")
	s.start()

	var lines []string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		lines = nil
		for _, k := range listKeys(t, s, req) {
			if !regexp.MustCompile(`^crash/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$`).MatchString(k) {
				t.Fatalf("log object name %q", k)
			}
			r := req("GET", "/logs/"+k, nil)
			expectStatus(t, "get log", r, 200)
			lines = append(lines, strings.Split(strings.TrimSuffix(string(r.body), "\n"), "\n")...)
		}
		if len(lines) >= n {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var got []string
	for _, l := range lines {
		f := strings.Fields(l)
		if f[7] == "REST.PUT.OBJECT" {
			got = append(got, f[6])
		}
	}
	if strings.Join(got, " ") != strings.Join(ids, " ") {
		t.Fatalf("records after kill -9 (%d lines):\n%s\nwant the request ids\n%s", len(lines), strings.Join(got, " "), strings.Join(ids, " "))
	}
}

// setFlag sets a flag's value for the next start (of every gateway).
func (s *server) setFlag(name, value string) {
	for _, g := range s.gws {
		g.setFlag(name, value)
	}
	for i := 0; i+1 < len(s.extra); i++ {
		if s.extra[i] == name {
			s.extra[i+1] = value
			return
		}
	}
	s.extra = append(s.extra, name, value)
}

// listKeys lists the keys of the bucket logs.
func listKeys(t *testing.T, s *server, req func(string, string, []byte) rawResponse) []string {
	t.Helper()
	r := req("GET", "/logs?list-type=2", nil)
	expectStatus(t, "list logs", r, http.StatusOK)
	var doc struct {
		Contents []struct{ Key string }
	}
	if err := xml.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range doc.Contents {
		keys = append(keys, c.Key)
	}
	return keys
}

// TestAWSSDKBucketLogging sets a logging status with aws-sdk-go-v2, the
// partitioned key format included, and reads it back.
func TestAWSSDKBucketLogging(t *testing.T) {
	s := startServer(t)
	c := newAWSClient(s)
	cx := ctx(t)
	for _, b := range []string{"sdksrc", "sdklogs"} {
		if _, err := c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	status := &types.BucketLoggingStatus{LoggingEnabled: &types.LoggingEnabled{
		TargetBucket: aws.String("sdklogs"), TargetPrefix: aws.String("p/"),
		TargetGrants: []types.TargetGrant{{
			Grantee:    &types.Grantee{Type: types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/global/AuthenticatedUsers")},
			Permission: types.BucketLogsPermissionRead,
		}},
		TargetObjectKeyFormat: &types.TargetObjectKeyFormat{PartitionedPrefix: &types.PartitionedPrefix{PartitionDateSource: types.PartitionDateSourceDeliveryTime}},
	}}
	_, err := c.PutBucketLogging(cx, &s3.PutBucketLoggingInput{Bucket: aws.String("sdksrc"), BucketLoggingStatus: status})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidTargetBucketForLogging" {
		t.Fatalf("a target without a delivery policy: %v", err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::sdklogs/p/*"}]}`
	if _, err := c.PutBucketPolicy(cx, &s3.PutBucketPolicyInput{Bucket: aws.String("sdklogs"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	// Buckets have ACLs disabled (BucketOwnerEnforced): S3 refuses
	// target grants on them.
	_, err = c.PutBucketLogging(cx, &s3.PutBucketLoggingInput{Bucket: aws.String("sdksrc"), BucketLoggingStatus: status})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessControlListNotSupported" {
		t.Fatalf("target grants: %v", err)
	}
	status.LoggingEnabled.TargetGrants = nil
	if _, err := c.PutBucketLogging(cx, &s3.PutBucketLoggingInput{Bucket: aws.String("sdksrc"), BucketLoggingStatus: status}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketLogging(cx, &s3.GetBucketLoggingInput{Bucket: aws.String("sdksrc")})
	if err != nil {
		t.Fatal(err)
	}
	e := got.LoggingEnabled
	if e == nil || aws.ToString(e.TargetBucket) != "sdklogs" || aws.ToString(e.TargetPrefix) != "p/" ||
		e.TargetObjectKeyFormat == nil || e.TargetObjectKeyFormat.PartitionedPrefix == nil ||
		e.TargetObjectKeyFormat.PartitionedPrefix.PartitionDateSource != types.PartitionDateSourceDeliveryTime || len(e.TargetGrants) != 0 {
		t.Fatalf("GetBucketLogging: %+v", e)
	}
	if _, err := c.PutBucketLogging(cx, &s3.PutBucketLoggingInput{Bucket: aws.String("sdksrc"), BucketLoggingStatus: &types.BucketLoggingStatus{}}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetBucketLogging(cx, &s3.GetBucketLoggingInput{Bucket: aws.String("sdksrc")}); err != nil || got.LoggingEnabled != nil {
		t.Fatalf("after disabling: %+v %v", got, err)
	}
}
