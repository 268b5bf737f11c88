package kuratest_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
)

// saveNote and TestSaveNote are the testing quick start of README.md:
// code that uses the SDK, and its test against an in-process kura. The
// SDK's quickstart_docs_test.go checks that README.md shows this file.

// saveNote stores a note under notes/.
func saveNote(ctx context.Context, c *client.Client, name, text string) error {
	_, err := c.PutObject(ctx, "notes", name, strings.NewReader(text), int64(len(text)), client.PutObjectOptions{})
	return err
}

func TestSaveNote(t *testing.T) {
	s := kuratest.NewServer(t) // a real kura on a loopback port, stopped when the test ends
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, "notes", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}

	if err := saveNote(ctx, s.Client, "todo.txt", "remember the milk"); err != nil {
		t.Fatal(err)
	}

	obj, err := s.Client.GetObject(ctx, "notes", "todo.txt", client.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	got, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "remember the milk" {
		t.Errorf("got %q", got)
	}
}
