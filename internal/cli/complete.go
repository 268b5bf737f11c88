package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

// completionTimeout bounds the listing a shell completion makes, so that
// an unreachable server never hangs the shell.
const completionTimeout = 5 * time.Second

// maxCompletions bounds how many keys a completion lists.
const maxCompletions = 1000

// completeTarget completes ALIAS/BUCKET/KEY arguments: alias names
// first, then the server's buckets, then one level of keys. A word that
// names no alias is left to the shell's file completion.
func (e *Env) completeTarget(_ *cobra.Command, _ []string, word string) ([]string, cobra.ShellCompDirective) {
	alias, rest, hasSlash := strings.Cut(word, "/")
	if !hasSlash {
		names, err := e.aliasNames()
		if err != nil {
			return nil, cobra.ShellCompDirectiveDefault
		}
		var out []string
		for _, n := range names {
			if strings.HasPrefix(n, alias) {
				out = append(out, n+"/")
			}
		}
		if len(out) == 0 {
			return nil, cobra.ShellCompDirectiveDefault
		}
		return out, cobra.ShellCompDirectiveNoSpace
	}
	c, err := e.Client(alias)
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	bucket, prefix, inBucket := strings.Cut(rest, "/")
	if !inBucket {
		return completeBuckets(ctx, c, alias, bucket), cobra.ShellCompDirectiveNoSpace
	}
	return completeKeys(ctx, c, alias+"/"+bucket+"/", bucket, prefix), cobra.ShellCompDirectiveNoSpace
}

func completeBuckets(ctx context.Context, c *client.Client, alias, start string) []string {
	infos, err := c.ListBuckets(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, b := range infos {
		if strings.HasPrefix(b.Name, start) {
			out = append(out, alias+"/"+b.Name+"/")
		}
	}
	return out
}

// completeKeys lists one level of keys that start with prefix.
func completeKeys(ctx context.Context, c *client.Client, base, bucket, prefix string) []string {
	var out []string
	for o, err := range c.ListObjects(ctx, bucket, client.ListObjectsOptions{Prefix: prefix}) {
		if err != nil || len(out) == maxCompletions {
			break
		}
		out = append(out, base+o.Key)
	}
	return out
}

// completeFirst completes the first argument as a target and leaves the
// others (tags, for example) alone.
func (e *Env) completeFirst(cmd *cobra.Command, args []string, word string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return e.completeTarget(cmd, args, word)
}
