package client_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kurastore/kura/client"
)

// listKeys are the keys of the listing tests, in S3's (byte) order.
var listKeys = []string{"a.txt", "dir/one", "dir/sub/three", "dir/two", "dir2/x", "plus+sign", "z y", "ü/é"}

// listed renders a listing: keys, and prefixes with a trailing " (prefix)".
func listed(t *testing.T, c *client.Client, bucket string, opts client.ListObjectsOptions) []string {
	t.Helper()
	var out []string
	for info, err := range c.ListObjects(context.Background(), bucket, opts) {
		if err != nil {
			t.Fatalf("list %+v: %v", opts, err)
		}
		if info.IsPrefix {
			out = append(out, info.Key+" (prefix)")
			continue
		}
		out = append(out, info.Key)
	}
	return out
}

func TestListObjects(t *testing.T) {
	s := newObjectServer(t)
	for _, k := range listKeys {
		putBytes(t, s.Client, k, []byte(k), client.PutObjectOptions{})
	}
	tests := []struct {
		name string
		opts client.ListObjectsOptions
		want []string
	}{
		{"recursive", client.ListObjectsOptions{Recursive: true}, listKeys},
		{"one level", client.ListObjectsOptions{},
			[]string{"a.txt", "dir/ (prefix)", "dir2/ (prefix)", "plus+sign", "z y", "ü/ (prefix)"}},
		{"one level under a prefix", client.ListObjectsOptions{Prefix: "dir/"},
			[]string{"dir/one", "dir/sub/ (prefix)", "dir/two"}},
		{"recursive under a prefix", client.ListObjectsOptions{Prefix: "dir", Recursive: true},
			[]string{"dir/one", "dir/sub/three", "dir/two", "dir2/x"}},
		{"start after", client.ListObjectsOptions{Recursive: true, StartAfter: "dir/sub/three"},
			[]string{"dir/two", "dir2/x", "plus+sign", "z y", "ü/é"}},
		{"pages of two", client.ListObjectsOptions{Recursive: true, MaxKeys: 2}, listKeys},
		{"pages of one, one level", client.ListObjectsOptions{MaxKeys: 1},
			[]string{"a.txt", "dir/ (prefix)", "dir2/ (prefix)", "plus+sign", "z y", "ü/ (prefix)"}},
		{"URL encoding", client.ListObjectsOptions{Recursive: true, UseURLEncoding: true}, listKeys},
		{"URL encoding, one level", client.ListObjectsOptions{UseURLEncoding: true, MaxKeys: 1},
			[]string{"a.txt", "dir/ (prefix)", "dir2/ (prefix)", "plus+sign", "z y", "ü/ (prefix)"}},
		{"nothing matches", client.ListObjectsOptions{Prefix: "nothing"}, nil},
	}
	for _, tt := range tests {
		for _, v1 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/v1=%v", tt.name, v1), func(t *testing.T) {
				c, log := loggedClient(t, s)
				opts := tt.opts
				opts.UseV1 = v1
				got := listed(t, c, testBucket, opts)
				if !slices.Equal(got, tt.want) {
					t.Fatalf("got %q\nwant %q", got, tt.want)
				}
				wantPages := 1
				if opts.MaxKeys > 0 && len(tt.want) > 0 {
					wantPages = (len(tt.want) + opts.MaxKeys - 1) / opts.MaxKeys
				}
				if n := log.count("GET"); n < wantPages || n > wantPages+1 {
					t.Errorf("%d list requests, want %d", n, wantPages)
				}
				if v2 := log.count("GET", "list-type=2"); (v2 > 0) == v1 {
					t.Errorf("UseV1=%v sent %d ListObjectsV2 requests", v1, v2)
				}
			})
		}
	}
}

func TestListObjectsDescribesObjects(t *testing.T) {
	s := newObjectServer(t)
	data := []byte("described")
	put := putBytes(t, s.Client, "meta/one", data, client.PutObjectOptions{
		ContentType: "text/plain", Metadata: map[string]string{"Color": "blue"},
	})
	for _, withMeta := range []bool{false, true} {
		var got []client.ObjectInfo
		for info, err := range s.Client.ListObjects(context.Background(), testBucket, client.ListObjectsOptions{Prefix: "meta/", IncludeUserMeta: withMeta}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, info)
		}
		if len(got) != 1 {
			t.Fatalf("listed %+v", got)
		}
		o := got[0]
		if o.Key != "meta/one" || o.Size != int64(len(data)) || o.ETag != put.ETag || o.LastModified.IsZero() || o.StorageClass == "" {
			t.Errorf("entry %+v", o)
		}
		// The checksum the upload sent, named by the listing without its
		// value.
		if o.ChecksumAlgorithm != client.DefaultChecksum || o.ChecksumType != "FULL_OBJECT" {
			t.Errorf("entry's checksum: %q %q, want %q FULL_OBJECT", o.ChecksumAlgorithm, o.ChecksumType, client.DefaultChecksum)
		}
		wantMeta, wantType := map[string]string(nil), ""
		if withMeta {
			wantMeta, wantType = map[string]string{"color": "blue"}, "text/plain"
		}
		if !maps.Equal(o.Metadata, wantMeta) || o.ContentType != wantType {
			t.Errorf("IncludeUserMeta=%v: metadata %v, content type %q", withMeta, o.Metadata, o.ContentType)
		}
	}
}

func TestListObjectsURLEncodingCarriesControlCharacters(t *testing.T) {
	s := newObjectServer(t)
	key := "ctl/a\x01b\x1fc"
	putBytes(t, s.Client, key, []byte("x"), client.PutObjectOptions{})
	for _, v1 := range []bool{false, true} {
		got := listed(t, s.Client, testBucket, client.ListObjectsOptions{Prefix: "ctl/", UseURLEncoding: true, UseV1: v1})
		if !slices.Equal(got, []string{key}) {
			t.Errorf("v1=%v: got %q", v1, got)
		}
	}
}

func TestListObjectsBreakStopsPaging(t *testing.T) {
	s := newObjectServer(t)
	for _, k := range listKeys {
		putBytes(t, s.Client, k, []byte(k), client.PutObjectOptions{})
	}
	for _, take := range []int{1, 2, 3, 5} {
		c, log := loggedClient(t, s)
		n := 0
		for _, err := range c.ListObjects(context.Background(), testBucket, client.ListObjectsOptions{Recursive: true, MaxKeys: 2}) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == take {
				break
			}
		}
		if want := (take + 1) / 2; log.total() != want {
			t.Errorf("taking %d of pages of 2 sent %d requests, want %d", take, log.total(), want)
		}
	}
	c, log := loggedClient(t, s)
	_ = c.ListObjects(context.Background(), testBucket, client.ListObjectsOptions{})
	if log.total() != 0 {
		t.Errorf("ListObjects sent %d requests before it was ranged over", log.total())
	}
}

func TestListObjectsMissingBucket(t *testing.T) {
	s := newObjectServer(t)
	var errs []error
	for info, err := range s.Client.ListObjects(context.Background(), "no-such-bucket", client.ListObjectsOptions{}) {
		if err == nil {
			t.Errorf("listed %+v", info)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || client.ErrorCode(errs[0]) != "NoSuchBucket" {
		t.Errorf("errors %v", errs)
	}
}

// versionedBucket makes a bucket with versioning on the server c talks
// to, through minio-go (the SDK's own versioning call lives elsewhere),
// and stores doc twice, deletes it, and stores dir/x.
func versionedBucket(t *testing.T, c *client.Client, accessKey, secretKey string) string {
	t.Helper()
	ctx := context.Background()
	const bucket = "versioned"
	if err := c.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	mc, err := minio.New(c.Endpoint().Host, &minio.Options{Creds: miniocreds.NewStaticV4(accessKey, secretKey, ""), Region: c.Region()})
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.EnableVersioning(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"doc", "doc", "dir/x"} {
		if _, err := c.PutObject(ctx, bucket, k, strings.NewReader(k), int64(len(k)), client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.RemoveObject(ctx, bucket, "doc", client.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	return bucket
}

// describeVersions renders a version listing as "key latest|old
// marker|data", checking that version ids are there and distinct.
func describeVersions(t *testing.T, c *client.Client, bucket string, opts client.ListObjectsOptions) []string {
	t.Helper()
	var out []string
	ids := map[string]bool{}
	for info, err := range c.ListObjects(context.Background(), bucket, opts) {
		if err != nil {
			t.Fatalf("list %+v: %v", opts, err)
		}
		if info.IsPrefix {
			out = append(out, info.Key+" (prefix)")
			continue
		}
		if info.VersionID == "" || ids[info.VersionID] {
			t.Errorf("version id %q of %s missing or repeated", info.VersionID, info.Key)
		}
		ids[info.VersionID] = true
		state := "old"
		if info.IsLatest {
			state = "latest"
		}
		kind := "data"
		if info.IsDeleteMarker {
			kind = "marker"
		}
		out = append(out, info.Key+" "+state+" "+kind)
	}
	return out
}

func TestListObjectVersions(t *testing.T) {
	servers := []struct {
		name  string
		start func(t *testing.T) (*client.Client, string, string)
	}{
		{"kura", func(t *testing.T) (*client.Client, string, string) {
			s := newObjectServer(t)
			return s.Client, s.AccessKey, s.SecretKey
		}},
		{"moto", func(t *testing.T) (*client.Client, string, string) {
			return startMoto(t), "testing", "testing"
		}},
	}
	all := []string{"dir/x latest data", "doc latest marker", "doc old data", "doc old data"}
	tests := []struct {
		name string
		opts client.ListObjectsOptions
		want []string
	}{
		{"recursive", client.ListObjectsOptions{Recursive: true}, all},
		{"pages of one", client.ListObjectsOptions{Recursive: true, MaxKeys: 1}, all},
		{"one level", client.ListObjectsOptions{}, []string{"dir/ (prefix)", "doc latest marker", "doc old data", "doc old data"}},
		{"prefix", client.ListObjectsOptions{Prefix: "doc", Recursive: true}, all[1:]},
		{"start after", client.ListObjectsOptions{StartAfter: "dir/x", Recursive: true}, all[1:]},
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			c, ak, sk := srv.start(t)
			bucket := versionedBucket(t, c, ak, sk)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					opts := tt.opts
					opts.IncludeVersion = true
					if got := describeVersions(t, c, bucket, opts); !slices.Equal(got, tt.want) {
						t.Errorf("got %q\nwant %q", got, tt.want)
					}
				})
			}
		})
	}
}
