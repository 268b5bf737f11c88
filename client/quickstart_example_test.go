package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/kurastore/kura/client"
)

// The body of Example is the quick start of README.md and of the package
// comment (doc.go); TestQuickStartInDocs keeps the three identical.

func Example() {
	ctx := context.Background()

	// Connect: KURA_ENDPOINT is http://127.0.0.1:9000 for a local kura,
	// the keys are the root credentials it printed on its first start.
	c, err := client.New(os.Getenv("KURA_ENDPOINT"), &client.Options{
		AccessKey: os.Getenv("KURA_ACCESS_KEY"),
		SecretKey: os.Getenv("KURA_SECRET_KEY"),
	})
	if err != nil {
		log.Fatal(err)
	}

	// Make a bucket, unless an earlier run did.
	err = c.MakeBucket(ctx, "notes", client.MakeBucketOptions{})
	if err != nil && !errors.Is(err, client.ErrBucketAlreadyOwnedByYou) {
		log.Fatal(err)
	}

	// Put an object.
	text := "remember the milk\n"
	_, err = c.PutObject(ctx, "notes", "2026/todo.txt", strings.NewReader(text), int64(len(text)),
		client.PutObjectOptions{ContentType: "text/plain"})
	if err != nil {
		log.Fatal(err)
	}

	// Get it back: an *Object is an io.ReadSeekCloser and io.ReaderAt.
	obj, err := c.GetObject(ctx, "notes", "2026/todo.txt", client.GetObjectOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer obj.Close()
	body, err := io.ReadAll(obj)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(body))

	// List the bucket: an iterator that pages through the listing.
	for info, err := range c.ListObjects(ctx, "notes", client.ListObjectsOptions{Recursive: true}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(info.Key, info.Size)
	}

	// Share it for an hour: anyone with the URL can download it.
	u, err := c.PresignedGetObject(ctx, "notes", "2026/todo.txt", time.Hour, client.PresignOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Query().Get("X-Amz-Expires"))

	// Output:
	// remember the milk
	// 2026/todo.txt 18
	// 3600
}
