package client_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/objectlock"
)

// storeObject writes an object with one signed PUT and returns its
// version ID. It stands apart from the SDK's upload code so that these
// tests need nothing but the calls they test.
func storeObject(t *testing.T, c *client.Client, accessKey, secretKey, bucket, key string, data []byte) string {
	t.Helper()
	u := c.Endpoint()
	u.Path = "/" + bucket + "/" + key
	req, err := http.NewRequest(http.MethodPut, u.String(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	// Buckets with object lock take writes only with Content-MD5.
	req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	hash := sha256.Sum256(data)
	sigv4.SignRequest(req, sigv4.Credentials{AccessKey: accessKey, SecretKey: secretKey}, c.Region(), "s3", hex.EncodeToString(hash[:]), time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: %s", u, resp.Status)
	}
	return resp.Header.Get("x-amz-version-id")
}

func TestObjectLockConfigKura(t *testing.T) {
	c := kuraproc.Start(t, kuraproc.Options{}).Client
	ctx := context.Background()
	makeBucket(t, c, "plain", false)
	_, err := c.GetObjectLockConfig(ctx, "plain")
	wantNotFound(t, "lock configuration of a bucket without lock", err, "ObjectLockConfigurationNotFoundError")

	makeBucket(t, c, "locked", true)
	got, err := c.GetObjectLockConfig(ctx, "locked")
	if want := (&objectlock.Configuration{ObjectLockEnabled: objectlock.Enabled}); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("new lock configuration = %+v, %v; want %+v", got, err, want)
	}
	// The spec's ObjectLockConfig(GOVERNANCE, 15, DAYS), then years;
	// ObjectLockEnabled is filled in.
	for _, d := range []objectlock.DefaultRetention{
		{Mode: objectlock.Governance, Days: 15},
		{Mode: objectlock.Compliance, Years: 1},
	} {
		if err := c.SetObjectLockConfig(ctx, "locked", &objectlock.Configuration{Rule: &objectlock.Rule{DefaultRetention: d}}); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetObjectLockConfig(ctx, "locked")
		want := &objectlock.Configuration{ObjectLockEnabled: objectlock.Enabled, Rule: &objectlock.Rule{DefaultRetention: d}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("GetObjectLockConfig = %+v, %v; want %+v", got, err, want)
		}
	}
	if err := c.DeleteObjectLockConfig(ctx, "locked"); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetObjectLockConfig(ctx, "locked")
	if err != nil || got.Rule != nil || got.ObjectLockEnabled != objectlock.Enabled {
		t.Fatalf("lock configuration after delete = %+v, %v; want enabled without a rule", got, err)
	}
}

func TestLegalHoldKura(t *testing.T) {
	s := kuraproc.Start(t, kuraproc.Options{})
	c, ctx := s.Client, context.Background()
	makeBucket(t, c, "locked", true)
	v1 := storeObject(t, c, s.AccessKey, s.SecretKey, "locked", "doc", []byte("v1"))
	v2 := storeObject(t, c, s.AccessKey, s.SecretKey, "locked", "doc", []byte("v2"))
	if v1 == "" || v1 == v2 {
		t.Fatalf("version IDs %q and %q", v1, v2)
	}
	isOn := func(opts client.ObjectLockOptions) bool {
		t.Helper()
		on, err := c.IsObjectLegalHoldEnabled(ctx, "locked", "doc", opts)
		if err != nil {
			t.Fatal(err)
		}
		return on
	}
	latest, first := client.ObjectLockOptions{}, client.ObjectLockOptions{VersionID: v1}
	if isOn(latest) || isOn(first) {
		t.Fatal("legal hold on before any was set")
	}
	if err := c.EnableObjectLegalHold(ctx, "locked", "doc", first); err != nil {
		t.Fatal(err)
	}
	if !isOn(first) || isOn(latest) {
		t.Fatal("legal hold of the first version: want on, and off on the latest")
	}
	if err := c.DisableObjectLegalHold(ctx, "locked", "doc", first); err != nil {
		t.Fatal(err)
	}
	if isOn(first) {
		t.Fatal("legal hold still on after Disable")
	}
	_, err := c.IsObjectLegalHoldEnabled(ctx, "locked", "missing", latest)
	wantNotFound(t, "legal hold of a missing object", err, "NoSuchKey")
}

func TestRetentionKura(t *testing.T) {
	s := kuraproc.Start(t, kuraproc.Options{})
	c, ctx := s.Client, context.Background()
	makeBucket(t, c, "locked", true)
	storeObject(t, c, s.AccessKey, s.SecretKey, "locked", "doc", []byte("data"))
	none := client.ObjectLockOptions{}
	_, err := c.GetObjectRetention(ctx, "locked", "doc", none)
	wantNotFound(t, "retention before set", err, "NoSuchObjectLockConfiguration")

	// Milliseconds are what S3 keeps.
	until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Millisecond)
	want := &objectlock.Retention{Mode: objectlock.Governance, RetainUntilDate: until}
	if err := c.SetObjectRetention(ctx, "locked", "doc", want, none); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetObjectRetention(ctx, "locked", "doc", none)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetObjectRetention = %+v, %v; want %+v", got, err, want)
	}

	shorter := &objectlock.Retention{Mode: objectlock.Governance, RetainUntilDate: until.Add(-time.Hour)}
	if err := c.SetObjectRetention(ctx, "locked", "doc", shorter, none); client.ErrorCode(err) != "AccessDenied" {
		t.Fatalf("shortening a governance retention without bypass: %v, want AccessDenied", err)
	}
	bypass := client.ObjectLockOptions{BypassGovernance: true}
	if err := c.SetObjectRetention(ctx, "locked", "doc", shorter, bypass); err != nil {
		t.Fatalf("shortening with bypass: %v", err)
	}
	if err := c.SetObjectRetention(ctx, "locked", "doc", &objectlock.Retention{}, bypass); err != nil {
		t.Fatalf("removing with bypass: %v", err)
	}
	_, err = c.GetObjectRetention(ctx, "locked", "doc", none)
	wantNotFound(t, "retention after removal", err, "NoSuchObjectLockConfiguration")

	compliance := &objectlock.Retention{Mode: objectlock.Compliance, RetainUntilDate: until}
	if err := c.SetObjectRetention(ctx, "locked", "doc", compliance, none); err != nil {
		t.Fatal(err)
	}
	if err := c.SetObjectRetention(ctx, "locked", "doc", shorter, bypass); client.ErrorCode(err) != "AccessDenied" {
		t.Fatalf("shortening a compliance retention even with bypass: %v, want AccessDenied", err)
	}
}
