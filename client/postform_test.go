package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
)

// TestPostFormUpload: a request built by PostForm.NewRequest, sent with
// plain net/http, stores the file under the key the uploader chose
// within the policy's prefix, from a reader of known length, a stream or
// a file; a key outside the prefix is refused.
func TestPostFormUpload(t *testing.T) {
	s, bucket := presignServer(t)
	p := client.NewPostPolicy(bucket, time.Now().Add(time.Hour))
	err := errors.Join(p.SetKeyStartsWith("uploads/"), p.AddStartsWithCondition("Content-Type", "image/"),
		p.AddContentLengthRangeCondition(0, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	form, err := s.Client.PresignedPostForm(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if form.Fields["key"] != "uploads/" {
		t.Fatalf("preset key %q", form.Fields["key"])
	}
	data := randomData(300000, 30)
	file := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, key, stored string
		open              func() io.Reader
	}{
		{"bytes", "uploads/a.png", "uploads/a.png", func() io.Reader { return bytes.NewReader(data) }},
		{"stream", "uploads/b.png", "uploads/b.png", func() io.Reader { return onlyReader{bytes.NewReader(data)} }},
		{"file", "uploads/${filename}", "uploads/photo.png", func() io.Reader {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The field's name in another case must replace the preset
			// value, not be sent twice.
			req, err := form.NewRequest(t.Context(), tt.key, map[string]string{"Content-Type": "image/png"}, "photo.png", tt.open())
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("HTTP %d: %s", resp.StatusCode, body)
			}
			obj, err := s.Client.GetObject(context.Background(), bucket, tt.stored, client.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Close()
			got, err := io.ReadAll(obj)
			if err != nil || !bytes.Equal(got, data) || obj.Info.ContentType != "image/png" {
				t.Fatalf("stored %d bytes of %s: %v", len(got), obj.Info.ContentType, err)
			}
		})
	}
	t.Run("key outside the prefix", func(t *testing.T) {
		req, err := form.NewRequest(t.Context(), "other/a.png", map[string]string{"content-type": "image/png"}, "a.png", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("<Code>AccessDenied</Code>")) {
			t.Fatalf("HTTP %d: %s", resp.StatusCode, body)
		}
		if _, err := s.Client.StatObject(context.Background(), bucket, "other/a.png", client.StatObjectOptions{}); !client.IsNotFound(err) {
			t.Fatalf("refused upload stored: %v", err)
		}
	})
}

// TestPostFormRefusals: NewRequest refuses a form it cannot send right
// before sending anything.
func TestPostFormRefusals(t *testing.T) {
	s, bucket := presignServer(t)
	p := client.NewPostPolicy(bucket, time.Now().Add(time.Hour))
	if err := p.SetKeyStartsWith(""); err != nil {
		t.Fatal(err)
	}
	form, err := s.Client.PresignedPostForm(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"no key": func() error {
			_, err := form.NewRequest(t.Context(), "", nil, "a", strings.NewReader("x"))
			return err
		},
		"policy replaced": func() error {
			_, err := form.NewRequest(t.Context(), "a", map[string]string{"Policy": "e30="}, "a", strings.NewReader("x"))
			return err
		},
		"file as a field": func() error {
			_, err := form.NewRequest(t.Context(), "a", map[string]string{"file": "x"}, "a", strings.NewReader("x"))
			return err
		},
		"nil file": func() error {
			_, err := form.NewRequest(t.Context(), "a", nil, "a", nil)
			return err
		},
	} {
		if err := call(); !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
