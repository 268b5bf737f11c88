package cli

import (
	"errors"
	"strings"

	"github.com/kurastore/kura/client"
)

// Target is a command-line path resolved: a remote ALIAS/BUCKET/KEY, or
// a local file or directory.
//
// As in mc, an argument is remote when its first '/'-separated element
// names an alias; anything else is a local path. "ALIAS" alone is the
// server, "ALIAS/BUCKET" a bucket, and a key ending in '/' a prefix.
type Target struct {
	// Alias is the alias name; empty for a local path.
	Alias string
	// Bucket is empty for the server itself.
	Bucket string
	// Key is the object key or prefix, as typed (a trailing '/' kept).
	Key string
	// Local is the local path, for a local target.
	Local string
	// Client talks to the alias's server; nil for a local target.
	Client *client.Client
}

// IsLocal reports whether the target is a local path.
func (t Target) IsLocal() bool { return t.Alias == "" }

// IsServer reports whether the target is a whole server (ALIAS alone).
func (t Target) IsServer() bool { return !t.IsLocal() && t.Bucket == "" }

// IsBucket reports whether the target is a bucket without a key.
func (t Target) IsBucket() bool { return !t.IsLocal() && t.Bucket != "" && t.Key == "" }

// IsPrefix reports whether the key names a prefix (ends in '/').
func (t Target) IsPrefix() bool { return strings.HasSuffix(t.Key, "/") }

// String is the target as a user would type it.
func (t Target) String() string {
	if t.IsLocal() {
		return t.Local
	}
	s := t.Alias
	if t.Bucket != "" {
		s += "/" + t.Bucket
	}
	if t.Key != "" {
		s += "/" + t.Key
	}
	return s
}

// splitRemote splits ALIAS/BUCKET/KEY; bucket and key may be empty.
// The key keeps every character after the bucket's '/', including a
// trailing '/' and repeated ones, since S3 keys may hold them.
func splitRemote(arg string) (alias, bucket, key string) {
	alias, rest, _ := strings.Cut(arg, "/")
	bucket, key, _ = strings.Cut(rest, "/")
	return alias, bucket, key
}

// Resolve turns a command-line argument into a Target, with the alias's
// client for a remote one.
func (e *Env) Resolve(arg string) (Target, error) {
	if arg == "" {
		return Target{}, errors.New("empty path")
	}
	alias, bucket, key := splitRemote(arg)
	_, known, err := e.LookupAlias(alias)
	if err != nil {
		return Target{}, err
	}
	if !known {
		return Target{Local: arg}, nil
	}
	if bucket == "" && key != "" {
		return Target{}, errors.New(arg + ": empty bucket name")
	}
	c, err := e.Client(alias)
	if err != nil {
		return Target{}, err
	}
	return Target{Alias: alias, Bucket: bucket, Key: key, Client: c}, nil
}

// ResolveRemote is Resolve for commands that only work on servers: a
// local path is an error that says which aliases exist.
func (e *Env) ResolveRemote(arg string) (Target, error) {
	t, err := e.Resolve(arg)
	if err != nil {
		return Target{}, err
	}
	if t.IsLocal() {
		alias, _, _ := splitRemote(arg)
		return Target{}, errors.New(arg + ": " + alias + " is not an alias (kura alias list shows them)")
	}
	return t, nil
}

// ResolveBucket is ResolveRemote for commands that need a bucket.
func (e *Env) ResolveBucket(arg string) (Target, error) {
	t, err := e.ResolveRemote(arg)
	if err != nil {
		return Target{}, err
	}
	if t.Bucket == "" {
		return Target{}, errors.New(arg + ": give a bucket, ALIAS/BUCKET")
	}
	return t, nil
}

// ResolveObject is ResolveRemote for commands that need an object key.
func (e *Env) ResolveObject(arg string) (Target, error) {
	t, err := e.ResolveBucket(arg)
	if err != nil {
		return Target{}, err
	}
	if t.Key == "" || t.IsPrefix() {
		return Target{}, errors.New(arg + ": give an object, ALIAS/BUCKET/KEY")
	}
	return t, nil
}
