package client_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/policy"
)

func ExampleErrorResponse_Is() {
	c := newClient()
	ctx := context.Background()
	for _, key := range []string{"my-object", "maybe"} {
		_, err := c.StatObject(ctx, "my-bucket", key, client.StatObjectOptions{})
		switch {
		case err == nil:
			fmt.Println(key, "exists")
		case errors.Is(err, client.ErrNoSuchKey):
			fmt.Println(key, "is no such key")
		case errors.Is(err, client.ErrAccessDenied):
			fmt.Println(key, "is not ours to look at")
		default:
			log.Fatal(err)
		}
	}
	// Not-found errors of any kind also match fs.ErrNotExist.
	_, err := c.GetObject(ctx, "no-such-bucket", "my-object", client.GetObjectOptions{})
	fmt.Println(errors.Is(err, client.ErrNoSuchBucket), errors.Is(err, fs.ErrNotExist))
	// Output:
	// my-object exists
	// maybe is no such key
	// true true
}

func ExampleClient_GetObjectAttributes() {
	c := newClient()
	attrs, err := c.GetObjectAttributes(context.Background(), "my-bucket", "my-object", client.ObjectAttributesOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(attrs.Size, attrs.ETag, attrs.StorageClass, attrs.Checksums)
	for _, p := range attrs.Parts {
		fmt.Println("part", p.Number, p.Size, p.Checksum)
	}
}

func ExampleClient_GetBucketLocation() {
	c := newClient()
	region, err := c.GetBucketLocation(context.Background(), "my-bucket")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(region)
}

func ExampleClient_CheckHealth() {
	c := newClient()
	if err := c.CheckHealth(context.Background(), client.HealthReady); err != nil {
		log.Fatal("not ready: ", err)
	}
}

func ExampleClient_SetBucketPolicyDocument() {
	c := newClient()
	// Anyone may read the objects under public/.
	doc := &policy.Policy{Version: policy.Version2012, Statement: []policy.Statement{{
		Effect:    policy.Allow,
		Principal: &policy.Principal{AWS: policy.Values{"*"}},
		Action:    policy.Values{"s3:GetObject"},
		Resource:  policy.Values{"arn:aws:s3:::my-bucket/public/*"},
	}}}
	if err := c.SetBucketPolicyDocument(context.Background(), "my-bucket", doc); err != nil {
		log.Fatal(err)
	}
}
