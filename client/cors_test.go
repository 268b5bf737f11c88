package client_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
	"github.com/kurastore/kura/wire/cors"
)

func TestBucketCorsKura(t *testing.T) {
	c := kuraproc.Start(t, kuraproc.Options{}).Client
	ctx := context.Background()
	makeBucket(t, c, "cors", false)
	_, err := c.GetBucketCors(ctx, "cors")
	wantNotFound(t, "CORS before set", err, "NoSuchCORSConfiguration")

	want := &cors.Configuration{Rules: []cors.Rule{{
		ID: "web", AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: ptr(600),
	}}}
	if err := c.SetBucketCors(ctx, "cors", want); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketCors(ctx, "cors")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetBucketCors = %+v, %v; want %+v", got, err, want)
	}
	if err := c.DeleteBucketCors(ctx, "cors"); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketCors(ctx, "cors")
	wantNotFound(t, "CORS after delete", err, "NoSuchCORSConfiguration")
}

func TestSetBucketCorsRefusesBadRulesBeforeSending(t *testing.T) {
	c, err := client.New("http://127.0.0.1:1", &client.Options{AccessKey: "a", SecretKey: "b", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bad := &cors.Configuration{Rules: []cors.Rule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}}
	if err := c.SetBucketCors(ctx, "bucket", bad); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("a rule with method PATCH: %v, want ErrInvalidArgument", err)
	}
	if err := c.SetBucketCors(ctx, "bucket", nil); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("nil configuration: %v, want ErrInvalidArgument", err)
	}
}
