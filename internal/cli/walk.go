package cli

import (
	"context"
	"strings"
	"time"

	"github.com/kurastore/kura/client"
)

// buckets lists the buckets a target covers: its own, or every bucket of
// the server for ALIAS alone.
func buckets(ctx context.Context, t Target) ([]string, error) {
	if t.Bucket != "" {
		return []string{t.Bucket}, nil
	}
	infos, err := t.Client.ListBuckets(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(infos))
	for i, b := range infos {
		names[i] = b.Name
	}
	return names, nil
}

// walkOptions select what walk lists.
type walkOptions struct {
	Recursive bool
	// Versions lists every version and delete marker.
	Versions bool
}

// walk lists t's objects, in every bucket for a server target, and calls
// fn with each bucket's name and each entry (common prefixes included
// when not recursive). A key without a trailing '/' is a prefix too, as
// in S3 listings: callers that want "this object or this directory"
// filter.
func walk(ctx context.Context, t Target, opts walkOptions, fn func(bucket string, o client.ObjectInfo) error) error {
	names, err := buckets(ctx, t)
	if err != nil {
		return err
	}
	for _, b := range names {
		// URL-encoded answers carry every key as it is, control
		// characters included, which XML 1.0 cannot.
		list := t.Client.ListObjects(ctx, b, client.ListObjectsOptions{
			Prefix: t.Key, Recursive: opts.Recursive, IncludeVersion: opts.Versions, UseURLEncoding: true,
		})
		for o, err := range list {
			if err != nil {
				return err
			}
			if err := fn(b, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// timeFilter keeps what --older-than and --newer-than select: older
// means last modified at least that long ago.
type timeFilter struct {
	olderThan, newerThan time.Duration
	now                  time.Time
}

func newTimeFilter(older, newer string) (timeFilter, error) {
	f := timeFilter{now: time.Now()}
	var err error
	if older != "" {
		if f.olderThan, err = ParseDuration(older); err != nil {
			return f, err
		}
	}
	if newer != "" {
		if f.newerThan, err = ParseDuration(newer); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (f timeFilter) keep(modified time.Time) bool {
	age := f.now.Sub(modified)
	if f.olderThan > 0 && age < f.olderThan {
		return false
	}
	if f.newerThan > 0 && age > f.newerThan {
		return false
	}
	return true
}

// relativeName is key as shown under the listed prefix: the part after
// the prefix's last '/'.
func relativeName(prefix, key string) string {
	base := prefix[:strings.LastIndex(prefix, "/")+1]
	return strings.TrimPrefix(key, base)
}

// listUploads lists the incomplete uploads of bucket under prefix. MinIO
// lists uploads only for a prefix that is a whole key; when the server
// answers nothing for a prefix, the whole bucket is listed and filtered
// here instead.
func listUploads(ctx context.Context, c *client.Client, bucket, prefix string, recursive bool) ([]client.MultipartUpload, error) {
	collect := func(serverPrefix string) ([]client.MultipartUpload, error) {
		var ups []client.MultipartUpload
		opts := client.ListMultipartUploadsOptions{Prefix: serverPrefix}
		if !recursive && serverPrefix == prefix {
			opts.Delimiter = "/"
		}
		for u, err := range c.ListMultipartUploads(ctx, bucket, opts) {
			if err != nil {
				return nil, err
			}
			rest, ok := strings.CutPrefix(u.Key, prefix)
			if ok && (recursive || !strings.Contains(rest, "/")) {
				ups = append(ups, u)
			}
		}
		return ups, nil
	}
	ups, err := collect(prefix)
	if err != nil || len(ups) > 0 || prefix == "" {
		return ups, err
	}
	return collect("")
}
