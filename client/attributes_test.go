package client_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/versioning"
)

func TestGetObjectAttributesKura(t *testing.T) {
	s := newObjectServer(t)
	c := s.Client
	ctx := context.Background()
	data := randomData(11<<20, 7)
	put := putBytes(t, c, "parts", data, client.PutObjectOptions{PartSize: 5 << 20})
	stat, err := c.StatObject(ctx, testBucket, "parts", client.StatObjectOptions{ChecksumMode: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetObjectAttributes(ctx, testBucket, "parts", client.ObjectAttributesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != put.ETag || got.Size != int64(len(data)) || got.StorageClass != "STANDARD" || !got.LastModified.Equal(stat.LastModified) {
		t.Errorf("attributes %+v; upload %+v", got, put)
	}
	sum := got.Checksums[client.DefaultChecksum]
	if sum == "" || sum != stat.Checksums[client.DefaultChecksum] || got.ChecksumType != stat.ChecksumType {
		t.Errorf("checksum %q %s; HEAD says %q", sum, got.ChecksumType, stat.Checksums[client.DefaultChecksum])
	}
	wantSizes := []int64{5 << 20, 5 << 20, 1 << 20}
	if got.PartsCount != 3 || len(got.Parts) != 3 {
		t.Fatalf("%d parts (%d listed), want 3", got.PartsCount, len(got.Parts))
	}
	for i, p := range got.Parts {
		if p.Number != i+1 || p.Size != wantSizes[i] || p.Checksum == "" {
			t.Errorf("part %d: %+v", i+1, p)
		}
	}

	// An object put in one request has no parts.
	putBytes(t, c, "single", []byte("hello"), client.PutObjectOptions{})
	single, err := c.GetObjectAttributes(ctx, testBucket, "single", client.ObjectAttributesOptions{})
	if err != nil || single.Size != 5 || single.PartsCount != 0 || single.Parts != nil || single.ChecksumType != "FULL_OBJECT" {
		t.Errorf("single: %+v %v", single, err)
	}
	if _, err := c.GetObjectAttributes(ctx, testBucket, "missing", client.ObjectAttributesOptions{}); !errors.Is(err, client.ErrNoSuchKey) {
		t.Errorf("missing object: %v", err)
	}
}

func TestGetObjectAttributesOfVersions(t *testing.T) {
	s := newObjectServer(t)
	c := s.Client
	ctx := context.Background()
	if err := c.SetBucketVersioning(ctx, testBucket, &versioning.Configuration{Status: versioning.Enabled}); err != nil {
		t.Fatal(err)
	}
	first := putBytes(t, c, "v", []byte("first"), client.PutObjectOptions{})
	putBytes(t, c, "v", []byte("second!"), client.PutObjectOptions{})
	got, err := c.GetObjectAttributes(ctx, testBucket, "v", client.ObjectAttributesOptions{VersionID: first.VersionID})
	if err != nil || got.Size != 5 || got.VersionID != first.VersionID || got.ETag != first.ETag {
		t.Errorf("first version: %+v %v", got, err)
	}
	latest, err := c.GetObjectAttributes(ctx, testBucket, "v", client.ObjectAttributesOptions{})
	if err != nil || latest.Size != 7 || latest.VersionID == first.VersionID {
		t.Errorf("latest: %+v %v", latest, err)
	}
	if err := c.RemoveObject(ctx, testBucket, "v", client.RemoveObjectOptions{VersionID: first.VersionID}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetObjectAttributes(ctx, testBucket, "v", client.ObjectAttributesOptions{VersionID: first.VersionID}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("deleted version: %v", err)
	}
}

// partsPages answers GetObjectAttributes with n parts, per parts a page,
// the way S3 pages them; stuck repeats the first page.
func partsPages(t *testing.T, n, per int, stuck bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.Query().Has("attributes") || r.Header.Get("x-amz-object-attributes") == "" {
			http.Error(w, "not an attributes request", http.StatusBadRequest)
			return
		}
		marker := 0
		if m := r.Header.Get("x-amz-part-number-marker"); m != "" && !stuck {
			fmt.Sscan(m, &marker)
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<GetObjectAttributesResponse><ETag>abc-%d</ETag><ObjectSize>%d</ObjectSize><ObjectParts><PartsCount>%d</PartsCount>`, n, n, n)
		last := min(marker+per, n)
		fmt.Fprintf(&b, `<IsTruncated>%v</IsTruncated><NextPartNumberMarker>%d</NextPartNumberMarker>`, last < n, last)
		for i := marker + 1; i <= last; i++ {
			fmt.Fprintf(&b, `<Part><PartNumber>%d</PartNumber><Size>1</Size><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>`, i)
		}
		b.WriteString(`</ObjectParts></GetObjectAttributesResponse>`)
		w.Write([]byte(b.String()))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGetObjectAttributesPagesParts(t *testing.T) {
	srv := partsPages(t, 2500, 1000, false)
	c, err := client.New(srv.URL, &client.Options{AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetObjectAttributes(context.Background(), "bucket", "key", client.ObjectAttributesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.PartsCount != 2500 || len(got.Parts) != 2500 || got.Parts[2499].Number != 2500 || got.Parts[0].Checksum != "AAAAAA==" {
		t.Errorf("%d parts of %d", len(got.Parts), got.PartsCount)
	}

	stuck := partsPages(t, 2500, 1000, true)
	c, err = client.New(stuck.URL, &client.Options{AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetObjectAttributes(context.Background(), "bucket", "key", client.ObjectAttributesOptions{}); err == nil {
		t.Error("a server that does not advance: no error")
	}
}
