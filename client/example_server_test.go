package client_test

import (
	"context"
	"log"
	"os"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

// The tests and examples run against real kura servers, started as child
// processes (kuraproc). Examples get no *testing.T, so they start theirs
// detached, and kuraproc.Main stops them after every test and example has
// run.

func TestMain(m *testing.M) {
	kuraproc.Main(m, func() {
		// The package example reads where kura is and its keys from the
		// environment, as a program would.
		s, err := kuraproc.StartDetached(kuraproc.Options{})
		if err != nil {
			log.Fatal(err)
		}
		os.Setenv("KURA_ENDPOINT", s.URL)
		os.Setenv("KURA_ACCESS_KEY", s.AccessKey)
		os.Setenv("KURA_SECRET_KEY", s.SecretKey)
	})
}

// Objects of the bucket my-bucket that newClient makes.
var exampleObjects = map[string]string{
	"my-object":         "hello, kura\n",
	"my/other.txt":      "other\n",
	"my/prefix/a.txt":   "a\n",
	"my/prefix/b/c.txt": "c\n",
}

// newClient starts a kura of its own with the bucket my-bucket holding
// exampleObjects, and returns a client of it.
func newClient() *client.Client {
	s, err := kuraproc.StartDetached(kuraproc.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, "my-bucket", client.MakeBucketOptions{}); err != nil {
		log.Fatal(err)
	}
	for key, body := range exampleObjects {
		_, err := s.Client.PutObject(ctx, "my-bucket", key, strings.NewReader(body), int64(len(body)), client.PutObjectOptions{ContentType: "text/plain"})
		if err != nil {
			log.Fatal(err)
		}
	}
	return s.Client
}
