package transfer

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/kurastore/kura/client"
)

// Location is a local path or a key (or key prefix) in a bucket.
type Location struct {
	// Client is nil for a local path.
	Client      *client.Client
	Bucket, Key string
	// Path is the local path.
	Path string
	// Name is how the location is shown: the path, or ALIAS/BUCKET/KEY
	// as the user wrote it.
	Name string
}

// Local is a local path.
func Local(p string) Location { return Location{Path: p, Name: p} }

// Remote is a key or key prefix of a bucket; name is how it is shown.
func Remote(c *client.Client, bucket, key, name string) Location {
	return Location{Client: c, Bucket: bucket, Key: key, Name: name}
}

// Remote reports whether l is in a bucket.
func (l Location) Remote() bool { return l.Client != nil }

func (l Location) String() string { return l.Name }

// dirLike reports whether l names a directory or prefix rather than a
// file or object: a trailing slash, a bucket without key.
func (l Location) dirLike() bool {
	if l.Remote() {
		return l.Key == "" || strings.HasSuffix(l.Key, "/")
	}
	return strings.HasSuffix(l.Path, "/") || strings.HasSuffix(l.Path, string(filepath.Separator))
}

// child is the location rel (a '/'-separated relative path) below l.
func (l Location) child(rel string) Location {
	c := l
	if l.Remote() {
		c.Key = joinKey(l.Key, rel)
	} else {
		c.Path = filepath.Join(l.Path, filepath.FromSlash(rel))
	}
	c.Name = joinKey(l.Name, rel)
	return c
}

// joinKey joins a key prefix and a relative path with one slash.
func joinKey(prefix, rel string) string {
	if prefix == "" {
		return rel
	}
	return strings.TrimSuffix(prefix, "/") + "/" + rel
}

// base is the last element of l's path or key.
func (l Location) base() string {
	if l.Remote() {
		return path.Base(strings.TrimSuffix(l.Key, "/"))
	}
	return filepath.Base(l.Path)
}
