package client_test

import (
	"context"
	"log"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
)

// Examples with an Output comment run as tests. They get no *testing.T,
// so they start their kura servers through exampleTB, and TestMain stops
// them after every test and example has run.

var (
	cleanupMu       sync.Mutex
	exampleCleanups []func()
)

// exampleTB is the part of testing.TB that kuratest.NewServer uses. The
// embedded TB is nil: any other method would panic, which kuratest's own
// tests would notice first.
type exampleTB struct{ testing.TB }

func (exampleTB) Helper() {}

func (exampleTB) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }

func (exampleTB) Cleanup(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	exampleCleanups = append(exampleCleanups, f)
}

func (tb exampleTB) TempDir() string {
	dir, err := os.MkdirTemp("", "kura-example-")
	if err != nil {
		log.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestMain(m *testing.M) {
	// The package example reads where kura is and its keys from the
	// environment, as a program would.
	s := kuratest.NewServer(exampleTB{})
	os.Setenv("KURA_ENDPOINT", s.URL)
	os.Setenv("KURA_ACCESS_KEY", s.AccessKey)
	os.Setenv("KURA_SECRET_KEY", s.SecretKey)
	code := m.Run()
	cleanupMu.Lock()
	for _, f := range slices.Backward(exampleCleanups) {
		f()
	}
	cleanupMu.Unlock()
	os.Exit(code)
}

// Objects of the bucket my-bucket that newClient makes.
var exampleObjects = map[string]string{
	"my-object":         "hello, kura\n",
	"my/other.txt":      "other\n",
	"my/prefix/a.txt":   "a\n",
	"my/prefix/b/c.txt": "c\n",
}

// newClient starts a kura of its own (kuratest) with the bucket
// my-bucket holding exampleObjects, and returns a client of it.
func newClient() *client.Client {
	s := kuratest.NewServer(exampleTB{})
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
