package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
)

// uploadsServer answers ListMultipartUploads with the page stored under
// "key-marker|upload-id-marker|delimiter" and AbortMultipartUpload with
// NoSuchUpload.
func uploadsServer(t *testing.T, pages map[string]string) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>`))
			return
		}
		q := r.URL.Query()
		page, ok := pages[q.Get("key-marker")+"|"+q.Get("upload-id-marker")+"|"+q.Get("delimiter")]
		if !ok {
			t.Errorf("unexpected request %s", r.URL)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, &client.Options{AccessKey: "AK", SecretKey: "SECRETKEY", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// uploadKeys ranges over a listing and returns "key=id" of each upload.
func uploadKeys(t *testing.T, c *client.Client, opts client.ListMultipartUploadsOptions) []string {
	t.Helper()
	var got []string
	for u, err := range c.ListMultipartUploads(context.Background(), "bucket", opts) {
		if err != nil {
			t.Fatal(err)
		}
		if u.Bucket != "bucket" {
			t.Errorf("upload %s has bucket %q", u.Key, u.Bucket)
		}
		got = append(got, u.Key+"="+u.UploadID)
	}
	return got
}

func TestListMultipartUploadsPages(t *testing.T) {
	c := uploadsServer(t, map[string]string{
		"||": `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>b</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>
			<Upload><Key>a</Key><UploadId>u1</UploadId><Initiated>2026-01-02T03:04:05.000Z</Initiated></Upload>
			<Upload><Key>b</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>`,
		"b|u2|": `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>b</NextKeyMarker><NextUploadIdMarker>u3</NextUploadIdMarker>
			<Upload><Key>b</Key><UploadId>u3</UploadId></Upload></ListMultipartUploadsResult>`,
		"b|u3|": `<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>
			<Upload><Key>c</Key><UploadId>u4</UploadId></Upload></ListMultipartUploadsResult>`,
	})
	if got := strings.Join(uploadKeys(t, c, client.ListMultipartUploadsOptions{}), ","); got != "a=u1,b=u2,b=u3,c=u4" {
		t.Errorf("uploads = %v", got)
	}
	for u, err := range c.ListMultipartUploads(context.Background(), "bucket", client.ListMultipartUploadsOptions{}) {
		if err != nil || u.Initiated.Year() != 2026 {
			t.Errorf("first upload %+v, %v", u, err)
		}
		break
	}
}

// TestListMultipartUploadsDelimiterPages: a page that ends with a common
// prefix gives that prefix as the key marker and no upload-id marker;
// the next page is asked for after it, and the prefix itself is not
// yielded.
func TestListMultipartUploadsDelimiterPages(t *testing.T) {
	c := uploadsServer(t, map[string]string{
		"|" + "|/": `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>dir/</NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker>
			<Upload><Key>a</Key><UploadId>u1</UploadId></Upload>
			<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes></ListMultipartUploadsResult>`,
		"dir/||/": `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>e/</NextKeyMarker>
			<CommonPrefixes><Prefix>e/</Prefix></CommonPrefixes></ListMultipartUploadsResult>`,
		"e/||/": `<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>
			<Upload><Key>f</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>`,
	})
	if got := strings.Join(uploadKeys(t, c, client.ListMultipartUploadsOptions{Delimiter: "/"}), ","); got != "a=u1,f=u2" {
		t.Errorf("uploads = %v", got)
	}
}

func TestListMultipartUploadsStuckServer(t *testing.T) {
	// A server that says "more" without moving its markers on.
	c := uploadsServer(t, map[string]string{
		"||": `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>
			<Upload><Key>a</Key><UploadId>u1</UploadId></Upload></ListMultipartUploadsResult>`,
	})
	var lastErr error
	n := 0
	for _, err := range c.ListMultipartUploads(context.Background(), "bucket", client.ListMultipartUploadsOptions{}) {
		n++
		lastErr = err
	}
	if n != 2 || lastErr == nil {
		t.Errorf("a listing that does not advance gave %d results, last error %v", n, lastErr)
	}
}

// TestListMultipartUploadsDelimiter lists real uploads with and without
// a delimiter: with "/" only the keys directly under the prefix.
func TestListMultipartUploadsDelimiter(t *testing.T) {
	s := newObjectServer(t)
	ctx := context.Background()
	for _, key := range []string{"top", "dir/a", "dir/sub/b", "dir/sub/deeper/c", "dirt"} {
		if _, err := s.Client.CreateMultipartUpload(ctx, testBucket, key, client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	keys := func(opts client.ListMultipartUploadsOptions) string {
		var got []string
		for u, err := range s.Client.ListMultipartUploads(ctx, testBucket, opts) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, u.Key)
		}
		return strings.Join(got, ",")
	}
	for _, tc := range []struct {
		opts client.ListMultipartUploadsOptions
		want string
	}{
		{client.ListMultipartUploadsOptions{}, "dir/a,dir/sub/b,dir/sub/deeper/c,dirt,top"},
		{client.ListMultipartUploadsOptions{Delimiter: "/"}, "dirt,top"},
		{client.ListMultipartUploadsOptions{Prefix: "dir/"}, "dir/a,dir/sub/b,dir/sub/deeper/c"},
		{client.ListMultipartUploadsOptions{Prefix: "dir/", Delimiter: "/"}, "dir/a"},
		{client.ListMultipartUploadsOptions{Prefix: "dir/sub/", Delimiter: "/"}, "dir/sub/b"},
	} {
		if got := keys(tc.opts); got != tc.want {
			t.Errorf("%+v: uploads %s, want %s", tc.opts, got, tc.want)
		}
	}
}

func TestAbortMultipartUploadGone(t *testing.T) {
	c := uploadsServer(t, nil)
	ctx := context.Background()
	err := c.AbortMultipartUpload(ctx, client.MultipartUpload{Bucket: "bucket", Key: "key", UploadID: "u1"})
	if client.ErrorCode(err) != "NoSuchUpload" {
		t.Errorf("aborting an upload that is gone = %v, want NoSuchUpload", err)
	}
	if err := c.AbortMultipartUpload(ctx, client.MultipartUpload{Bucket: "bucket", Key: "key"}); err == nil {
		t.Error("an empty upload id was accepted")
	}
}
