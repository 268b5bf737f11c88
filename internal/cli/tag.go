package cli

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(tagCommand) }

// tagsRecord is the answer of the tag subcommands.
type tagsRecord struct {
	Target    string            `json:"target"`
	VersionID string            `json:"versionId,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
	Op        string            `json:"op"`
}

func (r tagsRecord) Text() string {
	switch r.Op {
	case "set":
		return fmt.Sprintf("Tags set for %s.", r.Target)
	case "remove":
		return fmt.Sprintf("Tags removed for %s.", r.Target)
	}
	if len(r.Tags) == 0 {
		return fmt.Sprintf("%s has no tags.", r.Target)
	}
	keys := make([]string, 0, len(r.Tags))
	for k := range r.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "Name : %s", r.Target)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n%s : %s", k, r.Tags[k])
	}
	return b.String()
}

// parseTags reads "k=v&k2=v2", URL-encoded as S3's x-amz-tagging is. A
// key given twice is an error, since S3 keeps one value per key.
func parseTags(s string) (map[string]string, error) {
	q, err := url.ParseQuery(s)
	if err != nil {
		return nil, fmt.Errorf("tags %q: %w", s, err)
	}
	tags := make(map[string]string, len(q))
	for k, v := range q {
		if len(v) > 1 {
			return nil, fmt.Errorf("tag %q is given %d times", k, len(v))
		}
		tags[k] = v[0]
	}
	if len(tags) == 0 {
		return nil, fmt.Errorf("no tags in %q: write them as key=value&key2=value2", s)
	}
	return tags, nil
}

func tagCommand(e *Env) *cobra.Command {
	var versionID string
	cmd := &cobra.Command{
		Use:   "tag",
		Short: "Set, list or remove the tags of a bucket or object",
	}
	cmd.PersistentFlags().StringVar(&versionID, "version-id", "", "the version of the object")
	resolve := func(arg string) (Target, error) {
		t, err := e.ResolveBucket(arg)
		if err == nil && t.IsPrefix() {
			err = fmt.Errorf("%s: tags belong to a bucket or an object, not a prefix", arg)
		}
		if err == nil && versionID != "" && t.Key == "" {
			err = fmt.Errorf("--version-id needs an object")
		}
		return t, err
	}
	objOpts := func() client.ObjectTagsOptions { return client.ObjectTagsOptions{VersionID: versionID} }

	set := &cobra.Command{Use: "set ALIAS/BUCKET[/KEY] \"k=v&k2=v2\"", Short: "replace the tags", Args: cobra.ExactArgs(2)}
	set.RunE = e.Run(func(ctx context.Context, args []string) error {
		t, err := resolve(args[0])
		if err != nil {
			return err
		}
		tags, err := parseTags(args[1])
		if err != nil {
			return err
		}
		if t.Key == "" {
			err = t.Client.SetBucketTags(ctx, t.Bucket, tags)
		} else {
			err = t.Client.SetObjectTags(ctx, t.Bucket, t.Key, tags, objOpts())
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		e.Printer().Info(tagsRecord{Target: t.String(), VersionID: versionID, Tags: tags, Op: "set"})
		return nil
	})

	list := &cobra.Command{Use: "list ALIAS/BUCKET[/KEY]", Aliases: []string{"ls"}, Short: "show the tags", Args: cobra.ExactArgs(1)}
	list.RunE = e.Run(func(ctx context.Context, args []string) error {
		t, err := resolve(args[0])
		if err != nil {
			return err
		}
		var tags map[string]string
		if t.Key == "" {
			tags, err = t.Client.GetBucketTags(ctx, t.Bucket)
			if client.ErrorCode(err) == "NoSuchTagSet" {
				tags, err = map[string]string{}, nil
			}
		} else {
			tags, err = t.Client.GetObjectTags(ctx, t.Bucket, t.Key, objOpts())
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		e.Printer().Print(tagsRecord{Target: t.String(), VersionID: versionID, Tags: tags, Op: "list"})
		return nil
	})

	remove := &cobra.Command{Use: "remove ALIAS/BUCKET[/KEY]", Aliases: []string{"rm"}, Short: "remove every tag", Args: cobra.ExactArgs(1)}
	remove.RunE = e.Run(func(ctx context.Context, args []string) error {
		t, err := resolve(args[0])
		if err != nil {
			return err
		}
		if t.Key == "" {
			err = t.Client.DeleteBucketTags(ctx, t.Bucket)
		} else {
			err = t.Client.DeleteObjectTags(ctx, t.Bucket, t.Key, objOpts())
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		e.Printer().Info(tagsRecord{Target: t.String(), VersionID: versionID, Op: "remove"})
		return nil
	})
	for _, sub := range []*cobra.Command{set, list, remove} {
		sub.ValidArgsFunction = e.completeFirst
	}
	cmd.AddCommand(set, list, remove)
	return cmd
}
