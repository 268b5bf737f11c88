package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/kurastore/kura/client"
)

// An upload driven part by part, as a program that resumes uploads after
// a restart does: it keeps the MultipartUpload (its UploadID) and asks
// the server which parts arrived.
func ExampleClient_CreateMultipartUpload() {
	c := newClient()
	ctx := context.Background()

	u, err := c.CreateMultipartUpload(ctx, "my-bucket", "big.bin", client.PutObjectOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// Every part but the last is at least 5 MiB.
	first := bytes.Repeat([]byte{'a'}, 5<<20)
	if _, err := c.UploadPart(ctx, u, 1, bytes.NewReader(first), int64(len(first)), client.UploadPartOptions{}); err != nil {
		log.Fatal(err)
	}

	// Later, maybe in another process: which parts does the server have?
	var parts []client.Part
	for p, err := range c.ListParts(ctx, u) {
		if err != nil {
			log.Fatal(err)
		}
		parts = append(parts, p)
	}
	last := []byte("the end")
	p, err := c.UploadPart(ctx, u, len(parts)+1, bytes.NewReader(last), int64(len(last)), client.UploadPartOptions{})
	if err != nil {
		log.Fatal(err)
	}
	info, err := c.CompleteMultipartUpload(ctx, u, append(parts, p), client.CompleteMultipartUploadOptions{})
	if err != nil {
		// The upload keeps its parts until completed or aborted.
		c.AbortMultipartUpload(ctx, u)
		log.Fatal(err)
	}
	fmt.Println(len(parts)+1, "parts,", info.Size, "bytes")
	// Output: 2 parts, 5242887 bytes
}
