package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(lsCommand) }

type lsFlags struct {
	recursive, versions, incomplete bool
	rewind                          string
}

func lsCommand(e *Env) *cobra.Command {
	var f lsFlags
	cmd := &cobra.Command{
		Use:   "ls TARGET...",
		Short: "List buckets, objects and versions",
		Example: `  kura ls local                       buckets
  kura ls --recursive local/photos     every object
  kura ls --versions local/photos/a.jpg
  kura ls --rewind 2d local/photos/    as it was two days ago`,
		Args: cobra.MinimumNArgs(1),
	}
	cmd.Flags().BoolVarP(&f.recursive, "recursive", "r", false, "list every object below the prefix")
	cmd.Flags().BoolVar(&f.versions, "versions", false, "list every version and delete marker")
	cmd.Flags().BoolVarP(&f.incomplete, "incomplete", "I", false, "list incomplete multipart uploads")
	cmd.Flags().StringVar(&f.rewind, "rewind", "", "list the objects as they were at a time (RFC 3339) or a duration ago (7d10h)")
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		var at time.Time
		if f.rewind != "" {
			var err error
			if at, err = parseRewind(f.rewind, time.Now()); err != nil {
				return err
			}
		}
		for _, arg := range args {
			t, err := e.ResolveRemote(arg)
			if err != nil {
				return err
			}
			if err := e.ls(ctx, t, f, at); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
		return nil
	})
	return cmd
}

// parseRewind reads --rewind: an RFC 3339 time, or a duration before now.
func parseRewind(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--rewind %q is neither an RFC 3339 time nor a duration", s)
	}
	return now.Add(-d), nil
}

// lsEntry is one line of ls.
type lsEntry struct {
	Type         string    `json:"type"` // file, folder, bucket, deleteMarker, upload
	LastModified time.Time `json:"lastModified,omitzero"`
	Size         int64     `json:"size"`
	Key          string    `json:"key"`
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	VersionID    string    `json:"versionId,omitempty"`
	// VersionOrdinal numbers the versions of a key from 1, the oldest.
	VersionOrdinal int    `json:"versionOrdinal,omitempty"`
	IsLatest       bool   `json:"isLatest,omitempty"`
	StorageClass   string `json:"storageClass,omitempty"`
	UploadID       string `json:"uploadId,omitempty"`

	name string // key as shown, relative to the listed prefix
}

func (l lsEntry) Text() string {
	when := strings.Repeat(" ", 25)
	if !l.LastModified.IsZero() {
		when = l.LastModified.UTC().Format("[2006-01-02 15:04:05 MST]")
	}
	size := fmt.Sprintf("%9s", FormatSize(l.Size))
	switch l.Type {
	case "folder", "bucket":
		return fmt.Sprintf("%s %s %s", when, size, l.name)
	case "upload":
		return fmt.Sprintf("%s %s %s (upload %s)", when, size, l.name, l.UploadID)
	}
	class := l.StorageClass
	if class == "" {
		class = "STANDARD"
	}
	if l.VersionOrdinal == 0 {
		return fmt.Sprintf("%s %s %s %s", when, size, class, l.name)
	}
	op := "PUT"
	if l.Type == "deleteMarker" {
		op = "DEL"
	}
	vid := l.VersionID
	if vid == "" {
		vid = "null"
	}
	return fmt.Sprintf("%s %s %s %s v%d %s %s", when, size, class, vid, l.VersionOrdinal, op, l.name)
}

func entryOf(t Target, bucket string, o client.ObjectInfo) lsEntry {
	l := lsEntry{
		Type: "file", LastModified: o.LastModified, Size: o.Size, Key: o.Key, ETag: o.ETag,
		VersionID: o.VersionID, IsLatest: o.IsLatest, StorageClass: o.StorageClass,
		URL: t.Alias + "/" + bucket + "/" + o.Key,
	}
	switch {
	case o.IsPrefix:
		l.Type = "folder"
	case o.IsDeleteMarker:
		l.Type = "deleteMarker"
	}
	l.name = relativeName(t.Key, o.Key)
	if t.Bucket == "" {
		l.name = bucket + "/" + o.Key
	}
	return l
}

func (e *Env) ls(ctx context.Context, t Target, f lsFlags, at time.Time) error {
	if t.IsServer() && !f.recursive && !f.incomplete {
		return e.lsBuckets(ctx, t)
	}
	if f.incomplete {
		return e.lsUploads(ctx, t, f.recursive)
	}
	p := e.Printer()
	found := false
	emit := func(l lsEntry) {
		found = true
		p.Print(l)
	}
	versions := f.versions || !at.IsZero()
	var group versionGroup
	var add func(l lsEntry, isPrefix bool) error
	flush := func() {
		switch {
		case !at.IsZero():
			if l, ok := group.at(at); ok {
				l.VersionOrdinal = 0
				emit(l)
			}
		default:
			group.number()
			for _, l := range group.entries {
				emit(l)
			}
		}
		group.entries = group.entries[:0]
	}
	visitUnder := func(t Target) func(string, client.ObjectInfo) error {
		return func(bucket string, o client.ObjectInfo) error {
			return add(entryOf(t, bucket, o), o.IsPrefix)
		}
	}
	visit := visitUnder(t)
	add = func(l lsEntry, isPrefix bool) error {
		if !versions || isPrefix {
			flush()
			emit(l)
			return nil
		}
		if len(group.entries) > 0 && group.entries[0].URL != l.URL {
			flush()
		}
		group.entries = append(group.entries, l)
		return nil
	}
	opts := walkOptions{Recursive: f.recursive, Versions: versions}
	if t.Key == "" || t.IsPrefix() {
		if err := walk(ctx, t, opts, visit); err != nil {
			return err
		}
		flush()
		if !found && t.Key != "" {
			return errors.New("no such prefix")
		}
		return nil
	}
	// A key without a trailing '/' is the object of that name and the
	// directory of that name, as in mc.
	exact := func(bucket string, o client.ObjectInfo) error {
		if o.Key != t.Key {
			return nil
		}
		return visit(bucket, o)
	}
	if err := walk(ctx, t, opts, exact); err != nil {
		return err
	}
	flush()
	dir := t
	dir.Key += "/"
	if err := walk(ctx, dir, opts, visitUnder(dir)); err != nil {
		return err
	}
	flush()
	if !found {
		return errors.New("no such object or prefix")
	}
	return nil
}

// versionGroup holds the versions of one key, newest first, as listings
// give them.
type versionGroup struct{ entries []lsEntry }

// number sets each version's ordinal, 1 for the oldest.
func (g *versionGroup) number() {
	for i := range g.entries {
		g.entries[i].VersionOrdinal = len(g.entries) - i
	}
}

// at returns the version that was current at t: the newest one written
// by then, unless that is a delete marker.
func (g *versionGroup) at(t time.Time) (lsEntry, bool) {
	for _, l := range g.entries {
		if l.LastModified.After(t) {
			continue
		}
		if l.Type == "deleteMarker" {
			return lsEntry{}, false
		}
		return l, true
	}
	return lsEntry{}, false
}

func (e *Env) lsBuckets(ctx context.Context, t Target) error {
	infos, err := t.Client.ListBuckets(ctx)
	if err != nil {
		return err
	}
	for _, b := range infos {
		e.Printer().Print(lsEntry{Type: "bucket", LastModified: b.CreationDate, Key: b.Name + "/", URL: t.Alias + "/" + b.Name, name: b.Name + "/"})
	}
	return nil
}

func (e *Env) lsUploads(ctx context.Context, t Target, recursive bool) error {
	names, err := buckets(ctx, t)
	if err != nil {
		return err
	}
	for _, b := range names {
		ups, err := listUploads(ctx, t.Client, b, t.Key, recursive)
		if err != nil {
			return err
		}
		for _, u := range ups {
			name := relativeName(t.Key, u.Key)
			if t.Bucket == "" {
				name = b + "/" + u.Key
			}
			e.Printer().Print(lsEntry{Type: "upload", LastModified: u.Initiated, Key: u.Key, URL: t.Alias + "/" + b + "/" + u.Key, UploadID: u.UploadID, StorageClass: u.StorageClass, name: name})
		}
	}
	return nil
}
