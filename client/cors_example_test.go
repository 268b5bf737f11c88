package client_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/cors"
)

func ExampleClient_SetBucketCors() {
	c := newClient()
	// Scripts of app.example.com may read and upload objects.
	maxAge := 3600
	cfg := &cors.Configuration{Rules: []cors.Rule{{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"*"},
		ExposeHeaders:  []string{"ETag"},
		MaxAgeSeconds:  &maxAge,
	}}}
	if err := c.SetBucketCors(context.Background(), "my-bucket", cfg); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_GetBucketCors() {
	c := newClient()
	cfg, err := c.GetBucketCors(context.Background(), "my-bucket")
	if client.IsNotFound(err) {
		fmt.Println("no CORS rules")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range cfg.Rules {
		fmt.Println(r.AllowedOrigins, r.AllowedMethods)
	}
}

func ExampleClient_DeleteBucketCors() {
	c := newClient()
	if err := c.DeleteBucketCors(context.Background(), "my-bucket"); err != nil {
		log.Fatal(err)
	}
}
