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
	_, err := c.StatObject(context.Background(), "my-bucket", "maybe", client.StatObjectOptions{})
	switch {
	case err == nil:
		fmt.Println("exists")
	case errors.Is(err, fs.ErrNotExist):
		fmt.Println("no such object")
	case errors.Is(err, client.ErrAccessDenied):
		fmt.Println("not allowed to look")
	default:
		log.Fatal(err)
	}
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
