package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pythonWithBoto3 finds a python3 that can import boto3.
func pythonWithBoto3(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import boto3").Run() == nil {
			return path
		}
	}
	t.Skip("skipping: no python3 with boto3 (CI installs python3-boto3)")
	return ""
}

// isolatedEnv keeps the user's AWS configuration out of a client run.
func isolatedEnv(t *testing.T, s *server) []string {
	home := t.TempDir()
	return append(os.Environ(),
		"HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_ACCESS_KEY_ID="+s.accessKey,
		"AWS_SECRET_ACCESS_KEY="+s.secretKey,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
}

// runScript runs testdata/SCRIPT with py against s (its endpoint and
// root keys are the arguments) in an environment without the user's AWS
// configuration. It fails the test unless the script prints OK, skips it
// when the script prints SKIP first, and returns the output.
func runScript(t *testing.T, py string, s *server, script, what string) string {
	t.Helper()
	cmd := exec.Command(py, "testdata/"+script, s.url(), s.accessKey, s.secretKey)
	cmd.Env = isolatedEnv(t, s)
	out, err := cmd.CombinedOutput()
	if err == nil && strings.HasPrefix(string(out), "SKIP") {
		t.Skip(strings.TrimSpace(string(out)))
	}
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("%s: %v\n%s", what, err, out)
	}
	return string(out)
}

func TestBoto3(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	runScript(t, py, s, "boto3_workflow.py", "boto3 workflow")
}

// TestBoto3Answers checks through boto3 the absolute Location of
// CompleteMultipartUpload, the checksum elements of the listings and of
// CreateMultipartUpload, and ?partNumber=1 of an object written whole.
func TestBoto3Answers(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	runScript(t, py, s, "boto3_answers.py", "boto3 answers")
}

func TestAWSCLI(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("skipping: no aws CLI on PATH (CI installs awscli)")
	}
	s := startServer(t)
	env := isolatedEnv(t, s)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(aws, append([]string{"--endpoint-url", s.url()}, args...)...)
		cmd.Env = env
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("aws %v: %v\n%s%s", args, err, out.String(), stderr.String())
		}
		return out.String()
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	data := pattern(5<<20+3, 7)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	run("s3", "mb", "s3://cli-bucket")
	run("s3", "cp", src, "s3://cli-bucket/dir/file")
	dst := filepath.Join(dir, "dst")
	run("s3", "cp", "s3://cli-bucket/dir/file", dst)
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Fatalf("aws s3 cp round trip: %d bytes", len(got))
	}
	part := filepath.Join(dir, "part")
	run("s3api", "get-object", "--bucket", "cli-bucket", "--key", "dir/file", "--range", "bytes=100-199", part)
	if got, _ := os.ReadFile(part); !bytes.Equal(got, data[100:200]) {
		t.Fatalf("range get: %d bytes", len(got))
	}
	// 1,100 small keys through the CLI would be slow: sync a directory.
	tree := filepath.Join(dir, "tree")
	for i := range 1100 {
		sub := filepath.Join(tree, "d"+string(rune('a'+i%3)))
		os.MkdirAll(sub, 0o700)
		os.WriteFile(filepath.Join(sub, "f"+strings.Repeat("x", i%5)+string(rune('0'+i%10))+"-"+itoa(i)), []byte(itoa(i)), 0o600)
	}
	run("s3", "sync", tree, "s3://cli-bucket/tree")
	listing := run("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--prefix", "tree/", "--query", "length(Contents)")
	if strings.TrimSpace(listing) != "1100" {
		t.Fatalf("listed %s keys, want 1100", listing)
	}
	top := run("s3", "ls", "s3://cli-bucket/tree/")
	for _, p := range []string{"PRE da/", "PRE db/", "PRE dc/"} {
		if !strings.Contains(top, p) {
			t.Fatalf("delimiter listing lacks %s:\n%s", p, top)
		}
	}
	run("s3", "rm", "--recursive", "s3://cli-bucket")
	run("s3", "rb", "s3://cli-bucket")
	if out := run("s3", "ls"); strings.Contains(out, "cli-bucket") {
		t.Fatalf("bucket still listed: %s", out)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

func TestBoto3ObjectAPI(t *testing.T) {
	py := pythonWithBoto3(t)
	// The notification calls name arn:minio:sqs::1:webhook, which must be
	// a target; it need not answer.
	s := startServerEnv(t, []string{"KURA_NOTIFY_WEBHOOK_ENDPOINT_1=http://" + freeAddr(t) + "/"})
	runScript(t, py, s, "boto3_objectapi.py", "boto3 object API")
}

// boto3 writes without checksums (PUT, multipart, copy) and reads back
// S3's default CRC64NVME, which botocore validates where it can (with
// awscrt) and the script checks itself.
func TestBoto3DefaultChecksum(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	out := runScript(t, py, s, "boto3_default_checksum.py", "boto3 default checksum")
	t.Logf("%s", strings.TrimSpace(out))
}

func TestBoto3VersioningAndLock(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	runScript(t, py, s, "boto3_versioning.py", "boto3 versioning and object lock")
}

func TestBoto3STS(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	runScript(t, py, s, "boto3_sts.py", "boto3 STS")
}

// TestBoto3AddedChecksums drives the checksums S3 added in 2026 through
// boto3 (SHA512 computed by botocore, MD5 given by the caller); it skips
// with a botocore too old to know them.
func TestBoto3AddedChecksums(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	runScript(t, py, s, "boto3_checksums.py", "boto3 added checksums")
}
