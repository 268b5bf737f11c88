package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
)

// uploadsServer answers ListMultipartUploads with pages and
// AbortMultipartUpload with NoSuchUpload.
func uploadsServer(t *testing.T, pages map[string]string) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>`))
			return
		}
		page, ok := pages[r.URL.Query().Get("key-marker")+"|"+r.URL.Query().Get("upload-id-marker")]
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

func TestListIncompleteUploadsPages(t *testing.T) {
	c := uploadsServer(t, map[string]string{
		"|": `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>b</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>
			<Upload><Key>a</Key><UploadId>u1</UploadId><Initiated>2026-01-02T03:04:05.000Z</Initiated></Upload>
			<Upload><Key>b</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>`,
		"b|u2": `<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>
			<Upload><Key>c</Key><UploadId>u3</UploadId></Upload></ListMultipartUploadsResult>`,
	})
	var got []string
	for u, err := range c.ListIncompleteUploads(context.Background(), "bucket", client.ListIncompleteUploadsOptions{Recursive: true}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.Key+"="+u.UploadID)
		if u.Key == "a" && u.Initiated.Year() != 2026 {
			t.Errorf("Initiated = %v", u.Initiated)
		}
	}
	if strings.Join(got, ",") != "a=u1,b=u2,c=u3" {
		t.Errorf("uploads = %v", got)
	}
}

func TestListIncompleteUploadsStuckServer(t *testing.T) {
	// A server that says "more" without moving its markers on.
	c := uploadsServer(t, map[string]string{
		"|": `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>
			<Upload><Key>a</Key><UploadId>u1</UploadId></Upload></ListMultipartUploadsResult>`,
	})
	var lastErr error
	n := 0
	for _, err := range c.ListIncompleteUploads(context.Background(), "bucket", client.ListIncompleteUploadsOptions{}) {
		n++
		lastErr = err
	}
	if n != 2 || lastErr == nil {
		t.Errorf("a listing that does not advance gave %d results, last error %v", n, lastErr)
	}
}

func TestRemoveIncompleteUploadGone(t *testing.T) {
	c := uploadsServer(t, nil)
	if err := c.RemoveIncompleteUpload(context.Background(), "bucket", "key", "u1"); err != nil {
		t.Errorf("aborting an upload that is gone = %v", err)
	}
	if err := c.RemoveIncompleteUpload(context.Background(), "bucket", "key", ""); err == nil {
		t.Error("an empty upload id was accepted")
	}
}
