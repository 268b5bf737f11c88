package integration

import (
	"bytes"
	"mime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"

	kuraclient "github.com/kurastore/kura/client"
)

// Non-ASCII user metadata makes the round trip through the kura SDK and
// minio-go, which send and decode RFC 2047 words, and through
// aws-sdk-go-v2, which sends raw UTF-8 and, as from S3, reads back the
// encoded words.
func TestUnicodeMetadata(t *testing.T) {
	s := startServer(t)
	ctx := ctx(t)
	values := map[string]string{"greeting": "Hello World\u00e9", "zh": "你好", "plain": "ascii only"}

	kc, err := kuraclient.New(s.addr, &kuraclient.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.MakeBucket(ctx, "meta", kuraclient.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.PutObject(ctx, "meta", "sdk", strings.NewReader("x"), 1, kuraclient.PutObjectOptions{Metadata: values}); err != nil {
		t.Fatal(err)
	}
	mc := newMinioClient(t, s)
	if _, err := mc.PutObject(ctx, "meta", "minio-go", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{UserMetadata: values}); err != nil {
		t.Fatal(err)
	}
	ac := newAWSClient(s)
	if _, err := ac.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta"), Key: aws.String("aws"), Body: strings.NewReader("x"), Metadata: values}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"sdk", "minio-go", "aws"} {
		info, err := kc.StatObject(ctx, "meta", key, kuraclient.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		st, err := mc.StatObject(ctx, "meta", key, minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		head, err := ac.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("meta"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range values {
			if got := info.Metadata[name]; got != want {
				t.Errorf("%s: kura SDK reads %s=%q, want %q", key, name, got, want)
			}
			if got := st.UserMetadata[strings.ToUpper(name[:1])+name[1:]]; got != want {
				t.Errorf("%s: minio-go reads %s=%q, want %q", key, name, got, want)
			}
			raw := head.Metadata[name]
			if decoded, err := new(mime.WordDecoder).DecodeHeader(raw); err != nil || decoded != want {
				t.Errorf("%s: aws-sdk-go-v2 reads %s=%q, which decodes to %q (%v), want %q", key, name, raw, decoded, err, want)
			}
			if name == "plain" && raw != want {
				t.Errorf("%s: an ASCII value came back as %q", key, raw)
			}
		}
	}
}
