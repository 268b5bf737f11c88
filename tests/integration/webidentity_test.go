package integration

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/idp/oidctest"
)

const fedReadPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::fed-allowed","arn:aws:s3:::fed-allowed/*"]}]}`

// fedSetup makes buckets fed-allowed and fed-other (each with a and b)
// and the policy fed-read reading the first.
func fedSetup(t *testing.T, s *server) {
	t.Helper()
	fedSetupWith(t, s, newAWSClient(s))
}

// fedSetupWith is fedSetup through the root client given.
func fedSetupWith(t *testing.T, s *server, root *s3.Client) {
	t.Helper()
	c := ctx(t)
	for _, b := range []string{"fed-allowed", "fed-other"} {
		if _, err := root.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"a", "b"} {
			if _, err := root.PutObject(c, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader(b + "/" + k)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	doc := filepath.Join(t.TempDir(), "fed-read.json")
	if err := os.WriteFile(doc, []byte(fedReadPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	kuraAdmin(t, s, "policy", "create", "fed-read", doc)
}

func fedToken(i *oidctest.Issuer, sub string) string {
	c := i.Claims(sub, "kura")
	c["policy"] = "fed-read,no-such-policy"
	return i.Sign(c)
}

// addCorp configures the issuer as provider corp with the CLI.
func addCorp(t *testing.T, s *server, i *oidctest.Issuer) {
	t.Helper()
	out := kuraAdmin(t, s, "idp", "add", "openid", "corp", "--config-url", i.ConfigURL(), "--client-id", "kura", "--client-secret", "never-shown")
	if !strings.Contains(out, "arn:kura:iam:::role/corp") {
		t.Fatalf("idp add: %s", out)
	}
	list := kuraAdmin(t, s, "idp", "list")
	if !strings.Contains(list, "arn:kura:iam:::role/corp") || strings.Contains(list, "never-shown") || !strings.Contains(list, "claim policy") {
		t.Fatalf("idp list:\n%s", list)
	}
}

func TestWebIdentityMinioPy(t *testing.T) {
	python, env := minioPy(t)
	s := startServer(t)
	i := oidctest.New(t)
	addCorp(t, s, i)
	fedSetup(t, s)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(fedToken(i, "dave")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "testdata/minio_py_webidentity.py", s.addr, file)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("minio-py WebIdentityProvider: %v\n%s", err, out)
	}
}

func TestWebIdentityBoto3(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	i := oidctest.New(t)
	addCorp(t, s, i)
	fedSetup(t, s)
	cmd := exec.Command(py, "testdata/boto3_webidentity.py", s.url(), fedToken(i, "carol"), i.SignForged(i.Claims("carol", "kura")))
	cmd.Env = isolatedEnv(t, s)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("boto3 assume_role_with_web_identity: %v\n%s", err, out)
	}
}

// TestWebIdentityGoSDKFromEnv: a provider configured by environment
// variables at start serves the Go SDK's WebIdentity provider, and
// removing it ends the session.
func TestWebIdentityGoSDKFromEnv(t *testing.T) {
	i := oidctest.New(t)
	s := startServerEnv(t, []string{
		"KURA_IDENTITY_OPENID_CONFIG_URL=" + i.ConfigURL(),
		"KURA_IDENTITY_OPENID_CLIENT_ID=kura",
		"KURA_IDENTITY_OPENID_NAME=corp",
	})
	fedSetup(t, s)
	c := ctx(t)
	p := &client.WebIdentity{Endpoint: s.url(), Token: func(context.Context) (string, error) { return fedToken(i, "erin"), nil }}
	sdk, err := client.New(s.addr, &client.Options{Credentials: p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.StatObject(c, "fed-allowed", "a", client.StatObjectOptions{}); err != nil {
		t.Fatalf("fed-allowed/a: %v", err)
	}
	var e *client.ErrorResponse
	if _, err := sdk.StatObject(c, "fed-other", "a", client.StatObjectOptions{}); !errors.As(err, &e) || e.StatusCode != 403 {
		t.Fatalf("fed-other/a: %v", err)
	}
	kuraAdmin(t, s, "idp", "remove", "corp")
	// Every server sees the removal within the provider cache's minute.
	deadline := time.Now().Add(75 * time.Second)
	for {
		err := getAll(c, sdk, "fed-allowed", "a")
		if errors.As(err, &e) && e.Code == "InvalidToken" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a session of a removed provider, after its bound: %v", err)
		}
		time.Sleep(time.Second)
	}
}

// getAll reads an object through the SDK; a HEAD would not carry the
// error's code.
func getAll(c context.Context, sdk *client.Client, bucket, key string) error {
	obj, err := sdk.GetObject(c, bucket, key, client.GetObjectOptions{})
	if err != nil {
		return err
	}
	defer obj.Close()
	_, err = io.ReadAll(obj)
	return err
}
