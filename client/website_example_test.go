package client_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kurastore/kura/wire/website"
)

func ExampleClient_SetBucketWebsite() {
	c := newClient()
	// Folders are served by their index.html, missing pages by 404.html,
	// and the old docs/ folder by documents/.
	prefix, replacement := "docs/", "documents/"
	cfg := &website.Configuration{
		IndexDocument: &website.IndexDocument{Suffix: "index.html"},
		ErrorDocument: &website.ErrorDocument{Key: "404.html"},
		RoutingRules: []website.RoutingRule{{
			Condition: &website.Condition{KeyPrefixEquals: &prefix},
			Redirect:  &website.Redirect{ReplaceKeyPrefixWith: &replacement},
		}},
	}
	if err := c.SetBucketWebsite(context.Background(), "my-site", cfg); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_GetBucketWebsite() {
	c := newClient()
	cfg, err := c.GetBucketWebsite(context.Background(), "my-site")
	if err != nil {
		log.Fatal(err)
	}
	if cfg.IndexDocument != nil {
		fmt.Println("index document:", cfg.IndexDocument.Suffix)
	}
}

func ExampleClient_DeleteBucketWebsite() {
	c := newClient()
	if err := c.DeleteBucketWebsite(context.Background(), "my-site"); err != nil {
		log.Fatal(err)
	}
}
