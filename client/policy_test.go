package client_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
	"github.com/kurastore/kura/wire/policy"
)

// TestBucketPolicyDocumentKura: a built document is set, read back
// parsed, and grants what it says: an anonymous client can then read.
func TestBucketPolicyDocumentKura(t *testing.T) {
	s := kuraproc.Start(t, kuraproc.Options{})
	c := s.Client
	ctx := context.Background()
	makeBucket(t, c, "docs", false)
	if _, err := c.GetBucketPolicyDocument(ctx, "docs"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("document before set: %v, want a not-found error", err)
	}
	doc := &policy.Policy{Version: policy.Version2012, Statement: []policy.Statement{{
		Effect:    policy.Allow,
		Principal: &policy.Principal{AWS: policy.Values{"*"}},
		Action:    policy.Values{"s3:GetObject"},
		Resource:  policy.Values{"arn:aws:s3:::docs/public/*"},
	}}}
	if err := c.SetBucketPolicyDocument(ctx, "docs", doc); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketPolicyDocument(ctx, "docs")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Statement) != 1 || !slices.Equal(got.Statement[0].Resource, doc.Statement[0].Resource) || got.Statement[0].Effect != policy.Allow {
		t.Fatalf("document read back = %+v", got.Statement)
	}
	if _, err := c.PutObject(ctx, "docs", "public/a", strings.NewReader("a"), 1, client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	anonymous, err := client.New(s.Endpoint, &client.Options{Region: s.Region})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anonymous.StatObject(ctx, "docs", "public/a", client.StatObjectOptions{}); err != nil {
		t.Fatalf("anonymous read under the policy: %v", err)
	}
}

func TestSetBucketPolicyDocumentRefused(t *testing.T) {
	c, err := client.New("127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	other := &policy.Policy{Version: policy.Version2012, Statement: []policy.Statement{{
		Effect: policy.Allow, Principal: &policy.Principal{AWS: policy.Values{"*"}},
		Action: policy.Values{"s3:GetObject"}, Resource: policy.Values{"arn:aws:s3:::other/*"},
	}}}
	for name, p := range map[string]*policy.Policy{"nil": nil, "another bucket's": other} {
		if err := c.SetBucketPolicyDocument(context.Background(), "bucket", p); !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s policy: %v, want ErrInvalidArgument", name, err)
		}
	}
}
