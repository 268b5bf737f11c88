package client_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
	"github.com/kurastore/kura/wire/website"
)

func TestBucketWebsiteKura(t *testing.T) {
	c := kuraproc.Start(t, kuraproc.Options{}).Client
	ctx := context.Background()
	makeBucket(t, c, "site", false)
	_, err := c.GetBucketWebsite(ctx, "site")
	wantNotFound(t, "website before set", err, "NoSuchWebsiteConfiguration")
	prefix, host := "docs/", "example.com"
	for _, want := range []*website.Configuration{
		{
			IndexDocument: &website.IndexDocument{Suffix: "index.html"},
			ErrorDocument: &website.ErrorDocument{Key: "404.html"},
			RoutingRules: []website.RoutingRule{{
				Condition: &website.Condition{KeyPrefixEquals: &prefix, HttpErrorCodeReturnedEquals: "404"},
				Redirect:  &website.Redirect{Protocol: "https", HostName: &host, HttpRedirectCode: "302"},
			}},
		},
		{RedirectAllRequestsTo: &website.RedirectAllRequestsTo{HostName: host, Protocol: "https"}},
	} {
		if err := c.SetBucketWebsite(ctx, "site", want); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetBucketWebsite(ctx, "site")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("GetBucketWebsite = %+v, %v; want %+v", got, err, want)
		}
	}
	// Refused before it is sent, with the server's error.
	err = c.SetBucketWebsite(ctx, "site", &website.Configuration{})
	if !errors.Is(err, client.ErrInvalidArgument) {
		t.Fatalf("empty configuration: %v", err)
	}
	if err := c.SetBucketWebsite(ctx, "site", nil); !errors.Is(err, client.ErrInvalidArgument) {
		t.Fatalf("nil configuration: %v", err)
	}
	if err := c.DeleteBucketWebsite(ctx, "site"); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketWebsite(ctx, "site")
	wantNotFound(t, "website after delete", err, "NoSuchWebsiteConfiguration")
}
