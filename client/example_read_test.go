package client_test

import (
	"archive/zip"
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/kurastore/kura/client"
)

// An Object seeks and reads at offsets, so archive/zip lists and reads
// an archive in the bucket without downloading all of it.
func ExampleObject_zip() {
	c := newClient()
	obj, err := c.GetObject(context.Background(), "my-bucket", "backup.zip", client.GetObjectOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer obj.Close()
	zr, err := zip.NewReader(obj, obj.Size())
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range zr.File {
		fmt.Println(f.Name, f.UncompressedSize64)
	}
}

// http.ServeContent answers Range and conditional requests from an
// Object.
func ExampleObject_serveContent() {
	c := newClient()
	http.HandleFunc("/files/{key...}", func(w http.ResponseWriter, r *http.Request) {
		obj, err := c.GetObject(r.Context(), "my-bucket", r.PathValue("key"), client.GetObjectOptions{})
		if client.IsNotFound(err) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer obj.Close()
		w.Header().Set("Content-Type", obj.Info.ContentType)
		http.ServeContent(w, r, obj.Info.Key, obj.Info.LastModified, obj)
	})
}

// A download reports its progress as the bytes arrive.
func ExampleClient_FGetObject_progress() {
	c := newClient()
	err := c.FGetObject(context.Background(), "my-bucket", "big.iso", "/tmp/big.iso", client.GetObjectOptions{
		Progress: func(n int64) { fmt.Fprintf(os.Stderr, "\r%d bytes", n) },
	})
	if err != nil {
		log.Fatal(err)
	}
}

// A form upload built in Go: the uploader picks the name under the
// prefix the policy allows, and any http.Client sends it.
func ExampleClient_PresignedPostForm() {
	c := newClient()
	ctx := context.Background()
	p := client.NewPostPolicy("my-bucket", time.Now().Add(time.Hour))
	if err := p.SetKeyStartsWith("uploads/"); err != nil {
		log.Fatal(err)
	}
	if err := p.AddContentLengthRangeCondition(0, 10<<20); err != nil {
		log.Fatal(err)
	}
	form, err := c.PresignedPostForm(ctx, p)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open("photo.png")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	req, err := form.NewRequest(ctx, "uploads/${filename}", nil, "photo.png", f)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status) // 204 No Content
}
