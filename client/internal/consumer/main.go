// Command consumer is a program that uses only kura's Go SDK, in a module
// of its own, as a user's program would be. The SDK's module test
// (client/module_test.go) builds it to check what such a module gets:
// its Go version and its dependency graph.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
)

func main() {
	c, err := client.New(os.Getenv("KURA_ENDPOINT"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buckets, err := c.ListBuckets(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, b := range buckets {
		fmt.Println(b.Name)
	}
	_ = admin.New
}
