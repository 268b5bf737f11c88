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
	recursive, versions, incomplete, summarize bool
	rewind                                     string
}

// lsTotal is what --summarize prints after the listing.
type lsTotal struct {
	TotalObjects int64 `json:"totalObjects"`
	TotalSize    int64 `json:"totalSize"`
}

func (t lsTotal) Text() string {
	return fmt.Sprintf("\nTotal Size: %s\nTotal Objects: %d", FormatSize(t.TotalSize), t.TotalObjects)
}

// add counts an entry that is an object or a version (not a prefix, a
// bucket, an upload or a delete marker).
func (t *lsTotal) add(l lsEntry) {
	if l.Type == "file" {
		t.TotalObjects++
		t.TotalSize += l.Size
	}
}

func lsCommand(e *Env) *cobra.Command {
	var f lsFlags
	cmd := &cobra.Command{
		Use:   "ls [TARGET...]",
		Short: "List buckets, objects and versions",
		Example: `  kura ls local                       buckets
  kura ls --recursive local/photos     every object
  kura ls --versions local/photos/a.jpg
  kura ls --rewind 2d local/photos/    as it was two days ago
  kura ls                              the current directory`,
	}
	cmd.Flags().BoolVarP(&f.recursive, "recursive", "r", false, "list every object below the prefix")
	cmd.Flags().BoolVar(&f.versions, "versions", false, "list every version and delete marker")
	cmd.Flags().BoolVarP(&f.incomplete, "incomplete", "I", false, "list incomplete multipart uploads")
	cmd.Flags().BoolVar(&f.summarize, "summarize", false, "print the number and total size of the objects listed")
	cmd.Flags().StringVar(&f.rewind, "rewind", "", "list the objects as they were at a time (RFC 3339) or a duration ago (7d10h)")
	cmd.ValidArgsFunction = e.completeTarget
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		var at time.Time
		if f.rewind != "" {
			var err error
			if at, err = parseRewind(f.rewind, time.Now()); err != nil {
				return err
			}
		}
		if len(args) == 0 {
			args = []string{"."}
		}
		var total lsTotal
		emit := func(l lsEntry) {
			total.add(l)
			e.Printer().Print(l)
		}
		for _, arg := range args {
			t, err := e.Resolve(arg)
			if err != nil {
				return err
			}
			if t.IsLocal() {
				if f.versions || f.incomplete || f.rewind != "" {
					return fmt.Errorf("%s: a local path has no versions and no uploads", arg)
				}
				if err := lsLocal(t, f.recursive, emit); err != nil {
					return err
				}
				continue
			}
			if err := ls(ctx, t, f, at, emit); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
		if f.summarize {
			e.Printer().Print(total)
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

	name  string // key as shown, relative to the listed prefix
	local bool   // a local file, which has no storage class
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
	switch {
	case l.local:
		return fmt.Sprintf("%s %s %s", when, size, l.name)
	case class == "":
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

// ls lists one remote target, giving each entry to emit.
func ls(ctx context.Context, t Target, f lsFlags, at time.Time, emit func(lsEntry)) error {
	if t.IsServer() && !f.recursive && !f.incomplete {
		return lsBuckets(ctx, t, emit)
	}
	if f.incomplete {
		return lsUploads(ctx, t, f.recursive, emit)
	}
	l := &lister{emit: emit, at: at, versions: f.versions || !at.IsZero()}
	opts := walkOptions{Recursive: f.recursive, Versions: l.versions}
	if t.Key == "" || t.IsPrefix() {
		if err := walk(ctx, t, opts, l.visitor(t, nil)); err != nil {
			return err
		}
		l.flush()
		if !l.listed && t.Key != "" {
			return errors.New("no such prefix")
		}
		return nil
	}
	// A key without a trailing '/' is the object of that name and the
	// directory of that name, as in mc.
	exact := func(key string) bool { return key == t.Key }
	if err := walk(ctx, t, opts, l.visitor(t, exact)); err != nil {
		return err
	}
	l.flush()
	dir := t
	dir.Key += "/"
	if err := walk(ctx, dir, opts, l.visitor(dir, nil)); err != nil {
		return err
	}
	l.flush()
	if !l.listed {
		return errors.New("no such object or prefix")
	}
	return nil
}

// lister prints the entries of ls. With versions, it holds the versions
// of one key until the next key comes, to number them or, with --rewind,
// to pick the one current at a time.
type lister struct {
	emit     func(lsEntry)
	at       time.Time // --rewind, or zero
	versions bool
	group    versionGroup
	// listed is set once the server listed anything, even what --rewind
	// then hides.
	listed bool
}

// visitor returns the walk function for target t; keep, when not nil,
// selects the keys to show.
func (l *lister) visitor(t Target, keep func(string) bool) func(string, client.ObjectInfo) error {
	return func(bucket string, o client.ObjectInfo) error {
		if keep != nil && !keep(o.Key) {
			return nil
		}
		l.add(entryOf(t, bucket, o), o.IsPrefix)
		return nil
	}
}

func (l *lister) add(entry lsEntry, isPrefix bool) {
	l.listed = true
	if !l.versions || isPrefix {
		l.flush()
		l.emit(entry)
		return
	}
	if len(l.group.entries) > 0 && l.group.entries[0].URL != entry.URL {
		l.flush()
	}
	l.group.entries = append(l.group.entries, entry)
}

// flush prints the versions held.
func (l *lister) flush() {
	if !l.at.IsZero() {
		if entry, ok := l.group.at(l.at); ok {
			entry.VersionOrdinal = 0
			l.emit(entry)
		}
	} else {
		l.group.number()
		for _, entry := range l.group.entries {
			l.emit(entry)
		}
	}
	l.group.entries = l.group.entries[:0]
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

func lsBuckets(ctx context.Context, t Target, emit func(lsEntry)) error {
	infos, err := t.Client.ListBuckets(ctx)
	if err != nil {
		return err
	}
	for _, b := range infos {
		emit(lsEntry{Type: "bucket", LastModified: b.CreationDate, Key: b.Name + "/", URL: t.Alias + "/" + b.Name, name: b.Name + "/"})
	}
	return nil
}

func lsUploads(ctx context.Context, t Target, recursive bool, emit func(lsEntry)) error {
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
			emit(lsEntry{Type: "upload", LastModified: u.Initiated, Key: u.Key, URL: t.Alias + "/" + b + "/" + u.Key, UploadID: u.UploadID, StorageClass: u.StorageClass, name: name})
		}
	}
	return nil
}
