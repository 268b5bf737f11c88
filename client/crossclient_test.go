package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	miniotags "github.com/minio/minio-go/v7/pkg/tags"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

// crossObject is an object written by one client and read by another.
type crossObject struct {
	key  string
	data []byte
}

// crossObjects are a single-PUT object and a multipart one (5 MiB parts).
func crossObjects(prefix string) []crossObject {
	return []crossObject{
		{prefix + "/small", patterned(1000)},
		{prefix + "/multipart", patterned(12 * mib)},
	}
}

// patterned is bytes 0..255 repeated: easy to make in Go and Python alike.
func patterned(n int) []byte {
	return bytes.Repeat([]byte(string256()), n/256+1)[:n]
}

func string256() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}

var (
	crossMeta = map[string]string{"origin": "writer", "mixed-case": "Value With Spaces"}
	crossTags = map[string]string{"team": "storage", "stage": "cross client"}
)

const crossType = "application/x-kura-test"

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

func TestSDKObjectsReadByMinioGo(t *testing.T) {
	s := newObjectServer(t)
	mc := newMinio(t, s)
	ctx := context.Background()
	for _, o := range crossObjects("sdk") {
		put := putBytes(t, s.Client, o.key, o.data, client.PutObjectOptions{
			ContentType: crossType, Metadata: map[string]string{"Origin": "writer", "x-amz-meta-Mixed-Case": "Value With Spaces"},
			Tags: crossTags, PartSize: 5 * mib,
		})
		obj, err := mc.GetObject(ctx, testBucket, o.key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(obj)
		obj.Close()
		if err != nil || !bytes.Equal(got, o.data) {
			t.Fatalf("%s: minio-go read %d bytes (%v), want %d", o.key, len(got), err, len(o.data))
		}
		st, err := mc.StatObject(ctx, testBucket, o.key, minio.StatObjectOptions{Checksum: true})
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(lowerKeys(st.UserMetadata), crossMeta) || st.ContentType != crossType || st.ETag != put.ETag {
			t.Errorf("%s: minio-go sees metadata %v, type %q, ETag %s", o.key, st.UserMetadata, st.ContentType, st.ETag)
		}
		if st.ChecksumCRC32C != crc32cOf(o.data) || st.ChecksumMode != "FULL_OBJECT" {
			t.Errorf("%s: minio-go sees CRC32C %q (%s), want FULL_OBJECT %s", o.key, st.ChecksumCRC32C, st.ChecksumMode, crc32cOf(o.data))
		}
		tags, err := mc.GetObjectTagging(ctx, testBucket, o.key, minio.GetObjectTaggingOptions{})
		if err != nil || !maps.Equal(tags.ToMap(), crossTags) {
			t.Errorf("%s: minio-go sees tags %v (%v)", o.key, tags, err)
		}
	}
}

func TestMinioGoObjectsReadBySDK(t *testing.T) {
	s := newObjectServer(t)
	mc := newMinio(t, s)
	ctx := context.Background()
	for _, o := range crossObjects("minio-go") {
		_, err := mc.PutObject(ctx, testBucket, o.key, bytes.NewReader(o.data), int64(len(o.data)), minio.PutObjectOptions{
			ContentType: crossType, UserMetadata: map[string]string{"Origin": "writer", "Mixed-Case": "Value With Spaces"},
			UserTags: crossTags, PartSize: 5 * mib,
		})
		if err != nil {
			t.Fatal(err)
		}
		got, info := getBytes(t, s.Client, o.key, client.GetObjectOptions{ChecksumMode: true})
		if !bytes.Equal(got, o.data) {
			t.Fatalf("%s: SDK read %d bytes, want %d", o.key, len(got), len(o.data))
		}
		if !maps.Equal(info.Metadata, crossMeta) || info.ContentType != crossType || info.TagCount != len(crossTags) {
			t.Errorf("%s: SDK sees metadata %v, type %q, %d tags", o.key, info.Metadata, info.ContentType, info.TagCount)
		}
		tags, err := s.Client.GetObjectTags(ctx, testBucket, o.key, client.ObjectTagsOptions{})
		if err != nil || !maps.Equal(tags, crossTags) {
			t.Errorf("%s: SDK sees tags %v (%v)", o.key, tags, err)
		}
		t.Logf("%s: minio-go stored checksums %v (%s)", o.key, info.Checksums, info.ChecksumType)
	}
	// Tags set by one client and removed by the other.
	if err := s.Client.SetObjectTags(ctx, testBucket, "minio-go/small", map[string]string{"by": "sdk"}, client.ObjectTagsOptions{}); err != nil {
		t.Fatal(err)
	}
	tags, err := mc.GetObjectTagging(ctx, testBucket, "minio-go/small", minio.GetObjectTaggingOptions{})
	if err != nil || !maps.Equal(tags.ToMap(), map[string]string{"by": "sdk"}) {
		t.Errorf("minio-go sees tags %v (%v)", tags, err)
	}
	newTags, _ := miniotags.NewTags(map[string]string{"by": "minio-go"}, true)
	if err := mc.PutObjectTagging(ctx, testBucket, "minio-go/small", newTags, minio.PutObjectTaggingOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Client.GetObjectTags(ctx, testBucket, "minio-go/small", client.ObjectTagsOptions{}); err != nil || got["by"] != "minio-go" {
		t.Errorf("SDK sees tags %v (%v)", got, err)
	}
}

// boto3Script writes or reads the cross-client objects with boto3. It
// takes its parameters from the environment and prints JSON.
const boto3Script = `
import hashlib, json, os, sys
import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["S3_ENDPOINT"],
    aws_access_key_id=os.environ["S3_ACCESS_KEY"],
    aws_secret_access_key=os.environ["S3_SECRET_KEY"],
    region_name="us-east-1",
    config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
)
bucket = os.environ["S3_BUCKET"]
keys = os.environ["S3_KEYS"].split(",")
sizes = [int(n) for n in os.environ["S3_SIZES"].split(",")]

def patterned(n):
    return (bytes(range(256)) * (n // 256 + 1))[:n]

out = {}
if sys.argv[1] == "write":
    config = TransferConfig(multipart_threshold=5 * 2**20, multipart_chunksize=5 * 2**20)
    for key, size in zip(keys, sizes):
        import io
        s3.upload_fileobj(io.BytesIO(patterned(size)), bucket, key, Config=config, ExtraArgs={
            "ContentType": os.environ["S3_TYPE"],
            "Metadata": json.loads(os.environ["S3_META"]),
            "Tagging": os.environ["S3_TAGGING"],
            # CRC32C would need botocore[crt]; CRC32 is built in.
            "ChecksumAlgorithm": "CRC32",
        })
else:
    for key in keys:
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        body = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")["Body"].read()
        tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
        out[key] = {
            "sha256": hashlib.sha256(body).hexdigest(),
            "metadata": head["Metadata"],
            "content_type": head["ContentType"],
            "crc32c": head.get("ChecksumCRC32C", ""),
            "checksum_type": head.get("ChecksumType", ""),
            "tags": {t["Key"]: t["Value"] for t in tags},
        }
print(json.dumps(out))
`

type boto3Read struct {
	SHA256       string            `json:"sha256"`
	Metadata     map[string]string `json:"metadata"`
	ContentType  string            `json:"content_type"`
	CRC32C       string            `json:"crc32c"`
	ChecksumType string            `json:"checksum_type"`
	Tags         map[string]string `json:"tags"`
}

// runBoto3 runs boto3Script in mode for objects, skipping the test when
// python3 or boto3 is missing.
func runBoto3(t *testing.T, s *kuraproc.Server, mode string, objects []crossObject) map[string]boto3Read {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	if out, err := exec.Command(python, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("boto3 is not installed: %s", out)
	}
	script := filepath.Join(t.TempDir(), "cross.py")
	if err := os.WriteFile(script, []byte(boto3Script), 0o644); err != nil {
		t.Fatal(err)
	}
	var keys, sizes []string
	for _, o := range objects {
		keys = append(keys, o.key)
		sizes = append(sizes, itoaCross(len(o.data)))
	}
	meta, _ := json.Marshal(crossMeta)
	cmd := exec.Command(python, script, mode)
	cmd.Env = append(os.Environ(),
		"S3_ENDPOINT="+s.URL, "S3_ACCESS_KEY="+s.AccessKey, "S3_SECRET_KEY="+s.SecretKey, "S3_BUCKET="+testBucket,
		"S3_KEYS="+strings.Join(keys, ","), "S3_SIZES="+strings.Join(sizes, ","),
		"S3_TYPE="+crossType, "S3_META="+string(meta), "S3_TAGGING=team=storage&stage=cross%20client",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boto3 %s: %v\n%s", mode, err, stderr.String())
	}
	var res map[string]boto3Read
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("boto3 output %q: %v", out, err)
	}
	return res
}

func itoaCross(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestSDKObjectsReadByBoto3(t *testing.T) {
	s := newObjectServer(t)
	objects := crossObjects("sdk")
	for _, o := range objects {
		putBytes(t, s.Client, o.key, o.data, client.PutObjectOptions{
			ContentType: crossType, Metadata: crossMeta, Tags: crossTags, PartSize: 5 * mib,
		})
	}
	got := runBoto3(t, s, "read", objects)
	for _, o := range objects {
		r := got[o.key]
		if r.SHA256 != sha256Hex(o.data) {
			t.Errorf("%s: boto3 read other bytes", o.key)
		}
		if !maps.Equal(r.Metadata, crossMeta) || r.ContentType != crossType || !maps.Equal(r.Tags, crossTags) {
			t.Errorf("%s: boto3 sees metadata %v, type %q, tags %v", o.key, r.Metadata, r.ContentType, r.Tags)
		}
		if r.CRC32C != crc32cOf(o.data) || r.ChecksumType != "FULL_OBJECT" {
			t.Errorf("%s: boto3 sees CRC32C %q (%s), want FULL_OBJECT %s", o.key, r.CRC32C, r.ChecksumType, crc32cOf(o.data))
		}
	}
}

func TestBoto3ObjectsReadBySDK(t *testing.T) {
	s := newObjectServer(t)
	objects := crossObjects("boto3")
	runBoto3(t, s, "write", objects)
	for _, o := range objects {
		got, info := getBytes(t, s.Client, o.key, client.GetObjectOptions{ChecksumMode: true})
		if !bytes.Equal(got, o.data) {
			t.Fatalf("%s: SDK read %d bytes, want %d", o.key, len(got), len(o.data))
		}
		if !maps.Equal(info.Metadata, crossMeta) || info.ContentType != crossType {
			t.Errorf("%s: SDK sees metadata %v, type %q", o.key, info.Metadata, info.ContentType)
		}
		if info.Checksums[checksum.CRC32] == "" {
			t.Errorf("%s: no CRC32 stored by boto3: %v", o.key, info.Checksums)
		}
		tags, err := s.Client.GetObjectTags(context.Background(), testBucket, o.key, client.ObjectTagsOptions{})
		if err != nil || !maps.Equal(tags, crossTags) {
			t.Errorf("%s: SDK sees tags %v (%v)", o.key, tags, err)
		}
	}
}
