package integration

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/internal/kms/localkms"
)

func stsAs(s *server, access, secret, token string) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url()),
		Credentials: awscreds.NewStaticCredentialsProvider(access, secret, token)})
}

func s3WithSession(s *server, out *sts.AssumeRoleOutput) *s3.Client {
	c := out.Credentials
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url()), UsePathStyle: true,
		Credentials: awscreds.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))})
}

func stsWithSession(s *server, out *sts.AssumeRoleOutput) *sts.Client {
	c := out.Credentials
	return stsAs(s, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func assumeRole(ctx context.Context, c *sts.Client, seconds int32, policy string) (*sts.AssumeRoleOutput, error) {
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/any"), RoleSessionName: aws.String("s")}
	if seconds != 0 {
		in.DurationSeconds = aws.Int32(seconds)
	}
	if policy != "" {
		in.Policy = aws.String(policy)
	}
	return c.AssumeRole(ctx, in)
}

// setRootPassword makes the next start use another root password.
func (s *server) setRootPassword(secret string) {
	for _, g := range append([]*server{s}, s.gws...) {
		env := make([]string, 0, len(g.env))
		for _, e := range g.env {
			if !strings.HasPrefix(e, "KURA_ROOT_PASSWORD=") {
				env = append(env, e)
			}
		}
		g.env, g.secretKey = append(env, "KURA_ROOT_PASSWORD="+secret), secret
	}
}

// TestRootPasswordRotation: a restart with a new root password leaves
// every user, service account and user session working; the old root
// password stops working.
func TestRootPasswordRotation(t *testing.T) {
	s := startServer(t)
	ctx := ctx(t)
	kuraAdmin(t, s, "user", "add", "alice", "alice-secret-1")
	kuraAdmin(t, s, "policy", "attach", "readwrite", "--user", "alice")
	ac, err := admin.New(s.addr, s.accessKey, s.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := ac.AddServiceAccount(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	alice := clientAs(s, "alice", "alice-secret-1")
	if _, err := alice.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("rotation")}); err != nil {
		t.Fatal(err)
	}
	session, err := assumeRole(ctx, stsAs(s, "alice", "alice-secret-1", ""), 0, "")
	if err != nil {
		t.Fatal(err)
	}
	oldAccess, oldSecret := s.accessKey, s.secretKey

	s.stop()
	s.setRootPassword(randomHex(20))
	s.start() // on another port: the clients are made again
	alice = clientAs(s, "alice", "alice-secret-1")

	if _, err := clientAs(s, oldAccess, oldSecret).ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("the old root password: %v", err)
	}
	if _, err := newAWSClient(s).ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("the new root password: %v", err)
	}
	if _, err := alice.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rotation"), Key: aws.String("k"), Body: strings.NewReader("still here")}); err != nil {
		t.Fatalf("a user after a new root password: %v", err)
	}
	if _, err := clientAs(s, svc.AccessKey, svc.SecretKey).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("rotation"), Key: aws.String("k")}); err != nil {
		t.Fatalf("a service account after a new root password: %v", err)
	}
	if _, err := s3WithSession(s, session).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("rotation"), Key: aws.String("k")}); err != nil {
		t.Fatalf("a user's session after a new root password: %v", err)
	}
	if out := kuraAdmin(t, s, "user", "list"); !strings.Contains(out, "alice") {
		t.Fatalf("users after a new root password:\n%s", out)
	}
}

// TestSTSSessions drives AssumeRole through aws-sdk-go-v2: root's session
// with a policy gets what the policy allows, chained sessions are capped,
// durations are checked as AWS does, nothing is stored per session, and a
// disabled user's sessions stop at once.
func TestSTSSessions(t *testing.T) {
	s := startServer(t)
	ctx := ctx(t)
	root := newAWSClient(s)
	for _, b := range []string{"open", "closed"} {
		if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("data of " + b)}); err != nil {
			t.Fatal(err)
		}
	}

	// Root narrowed by a session policy.
	readOpen := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::open/*"]}]}`
	rootSTS := stsAs(s, s.accessKey, s.secretKey, "")
	out, err := assumeRole(ctx, rootSTS, 0, readOpen)
	if err != nil {
		t.Fatal(err)
	}
	temp := s3WithSession(s, out)
	if got, err := getBody(t, temp, "open", "k"); err != nil || string(got) != "data of open" {
		t.Fatalf("root's session, GET its policy allows: %q %v", got, err)
	}
	if _, err := temp.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("open"), Key: aws.String("x"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("root's session, PUT its policy does not allow: %v", err)
	}
	if _, err := getBody(t, temp, "closed", "k"); apiCode(err) != "AccessDenied" {
		t.Fatalf("root's session, another bucket: %v", err)
	}
	// The token in a presigned URL's query.
	signed, err := s3.NewPresignClient(temp).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("open"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(signed.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "data of open" || !strings.Contains(signed.URL, "X-Amz-Security-Token=") {
		t.Fatalf("presigned GET with a session: %d %s", resp.StatusCode, body)
	}
	who, err := stsWithSession(s, out).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.UserId) != aws.ToString(out.Credentials.AccessKeyId) || !strings.HasSuffix(aws.ToString(who.Arn), "/"+s.accessKey) {
		t.Fatalf("GetCallerIdentity of a session: %+v %v", who, err)
	}

	// A session asking for credentials: an hour at most, and no later
	// than its own end.
	chain := stsWithSession(s, out)
	if _, err := assumeRole(ctx, chain, 3601, ""); apiCode(err) != "ValidationError" {
		t.Fatalf("chained for 3601 s: %v", err)
	}
	chained, err := assumeRole(ctx, chain, 3600, "")
	if err != nil {
		t.Fatalf("chained for 3600 s: %v", err)
	}
	if chained.Credentials.Expiration.After(*out.Credentials.Expiration) {
		t.Fatalf("chained session ends %v, after its parent %v", chained.Credentials.Expiration, out.Credentials.Expiration)
	}
	if _, err := getBody(t, s3WithSession(s, chained), "closed", "k"); apiCode(err) != "AccessDenied" {
		t.Fatalf("a chained session lost its parent's policy: %v", err)
	}

	// A user's durations: 900..43200 seconds.
	kuraAdmin(t, s, "user", "add", "bob", "bob-secret-12")
	kuraAdmin(t, s, "policy", "attach", "readonly", "--user", "bob")
	bob := stsAs(s, "bob", "bob-secret-12", "")
	for seconds, want := range map[int32]string{899: "ValidationError", 900: "", 43200: "", 43201: "ValidationError"} {
		if _, err := assumeRole(ctx, bob, seconds, ""); apiCode(err) != want {
			t.Errorf("DurationSeconds %d: %v, want %q", seconds, err, want)
		}
	}
	users := kuraAdmin(t, s, "user", "list")
	var sessions []*sts.AssumeRoleOutput
	for range 50 {
		o, err := assumeRole(ctx, bob, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, o)
	}
	if after := kuraAdmin(t, s, "user", "list"); after != users {
		t.Fatalf("AssumeRole stored something:\nbefore\n%s\nafter\n%s", users, after)
	}
	bobTemp := s3WithSession(s, sessions[len(sessions)-1])
	if _, err := getBody(t, bobTemp, "closed", "k"); err != nil {
		t.Fatalf("bob's session: %v", err)
	}
	kuraAdmin(t, s, "user", "disable", "bob")
	if !settled(func() bool {
		_, err = getBody(t, bobTemp, "closed", "k")
		return apiCode(err) == "InvalidAccessKeyId"
	}) {
		t.Fatalf("session of a disabled user: %v", err)
	}
	kuraAdmin(t, s, "user", "enable", "bob")
	kuraAdmin(t, s, "user", "remove", "bob")
	if !settled(func() bool {
		_, err = getBody(t, bobTemp, "closed", "k")
		return apiCode(err) == "InvalidAccessKeyId"
	}) {
		t.Fatalf("session of a removed user: %v", err)
	}
}

// TestGatewaysShareSessionsAndSealKey: a session one gateway issued works
// on another, and a gateway whose IAM seal key is not the one the
// database's secrets are sealed under refuses to start.
func TestGatewaysShareSessionsAndSealKey(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	gws, _ := gateways(t, 2)
	c := ctx(t)
	out, err := assumeRole(c, stsAs(gws[0], gws[0].accessKey, gws[0].secretKey, ""), 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3WithSession(gws[1], out).ListBuckets(c, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("a session issued by another gateway: %v", err)
	}
	var env []string
	for _, e := range gws[0].env {
		if !strings.HasPrefix(e, "KURA_IAM_SECRET_KEY=") {
			env = append(env, e)
		}
	}
	env = append(env, "KURA_IAM_SECRET_KEY="+localkms.NewSecret("another-iam-key"))
	start, cancel := context.WithTimeout(c, 30*time.Second)
	defer cancel()
	args := append(append([]string{"server", "--address", freeAddr(t)}, gws[0].extra...), t.TempDir())
	cmd := exec.CommandContext(start, kuraBin, args...)
	cmd.Env = append(os.Environ(), env...)
	logs, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(logs), "sealed under another key") {
		t.Fatalf("a gateway with another IAM seal key: %v\n%s", err, logs)
	}
}
