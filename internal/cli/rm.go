package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(rmCommand) }

type rmFlags struct {
	recursive, force, versions, bypass, incomplete, dangerous, dryRun bool
	versionID, olderThan, newerThan                                   string
}

func rmCommand(e *Env) *cobra.Command {
	var f rmFlags
	cmd := &cobra.Command{
		Use:   "rm TARGET...",
		Short: "Remove objects, versions and incomplete uploads",
		Long: `rm removes objects. In a versioned bucket, removing an object adds a
delete marker; --version-id removes one version for good and --versions
every version of the objects named. --recursive removes everything under
a prefix or in a bucket, in batches of 1000 (DeleteObjects), and needs
--force; removing from every bucket of a server (ALIAS alone) also needs
--dangerous. --bypass lifts governance retention (with the permission to).`,
		Example: `  kura rm local/photos/a.jpg
  kura rm --recursive --force local/photos/2019/
  kura rm --recursive --force --versions --older-than 30d local/logs
  kura rm --version-id 3f2a... --bypass local/locked/report.pdf`,
		Args: cobra.MinimumNArgs(1),
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.recursive, "recursive", "r", false, "remove everything under the prefix")
	fl.BoolVar(&f.force, "force", false, "confirm a recursive removal")
	fl.BoolVar(&f.versions, "versions", false, "remove every version and delete marker, not only the latest")
	fl.StringVar(&f.versionID, "version-id", "", "remove this version of the object")
	fl.StringVar(&f.olderThan, "older-than", "", "only what was last modified at least this long ago (7d10h)")
	fl.StringVar(&f.newerThan, "newer-than", "", "only what was last modified at most this long ago")
	fl.BoolVar(&f.bypass, "bypass", false, "bypass governance retention")
	fl.BoolVar(&f.bypass, "bypass-governance", false, "the same as --bypass")
	fl.BoolVarP(&f.incomplete, "incomplete", "I", false, "abort incomplete multipart uploads instead")
	fl.BoolVar(&f.dangerous, "dangerous", false, "allow a recursive removal from every bucket of a server")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print what would be removed, remove nothing")
	cmd.ValidArgsFunction = e.completeTarget
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		if err := f.check(); err != nil {
			return err
		}
		times, err := newTimeFilter(f.olderThan, f.newerThan)
		if err != nil {
			return err
		}
		failed := 0
		for _, arg := range args {
			t, err := e.ResolveRemote(arg)
			if err != nil {
				return err
			}
			n, err := e.rm(ctx, t, f, times)
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			failed += n
		}
		if failed > 0 {
			return ErrPartial
		}
		return nil
	})
	return cmd
}

func (f rmFlags) check() error {
	switch {
	case f.recursive && !f.force && !f.dryRun:
		return errors.New("a recursive removal needs --force (it cannot be undone)")
	case f.versionID != "" && (f.recursive || f.versions):
		return errors.New("--version-id removes one version: it goes with neither --recursive nor --versions")
	case f.incomplete && (f.versions || f.versionID != ""):
		return errors.New("--incomplete removes uploads, which have no versions")
	}
	return nil
}

// rm removes what one target names and returns how many removals failed
// (each reported already).
func (e *Env) rm(ctx context.Context, t Target, f rmFlags, times timeFilter) (int, error) {
	if t.IsServer() && !f.dangerous {
		return 0, errors.New("removing from every bucket of a server needs --recursive --force --dangerous")
	}
	if !f.recursive && (t.Key == "" || t.IsPrefix()) {
		return 0, errors.New("this is a bucket or a prefix: remove it with --recursive --force")
	}
	// Keys under a prefix, or the object of that name and what is under
	// it as a directory, as in mc.
	match := func(key string) bool {
		if t.Key == "" || t.IsPrefix() {
			return true
		}
		if !f.recursive {
			return key == t.Key
		}
		return key == t.Key || strings.HasPrefix(key, t.Key+"/")
	}
	if f.incomplete {
		return 0, e.abortUploads(ctx, t, uploadRemoval{match: match, times: times, dryRun: f.dryRun})
	}
	if !f.recursive && !f.versions {
		return 0, e.rmOne(ctx, t, f, times)
	}
	d := deleter{e: e, t: t, bypass: f.bypass, dryRun: f.dryRun}
	err := walk(ctx, t, walkOptions{Recursive: true, Versions: f.versions}, func(bucket string, o client.ObjectInfo) error {
		if !match(o.Key) || !times.keep(o.LastModified) {
			return nil
		}
		if bucket != d.t.Bucket {
			if err := d.flush(ctx); err != nil {
				return err
			}
			d.t.Bucket = bucket
		}
		return d.add(ctx, o.Key, o.VersionID, o.IsDeleteMarker)
	})
	if err == nil {
		err = d.flush(ctx)
	}
	return d.failed, err
}

// rmOne removes one object, or one version of it.
func (e *Env) rmOne(ctx context.Context, t Target, f rmFlags, times timeFilter) error {
	// S3 deletes a missing key without complaint (adding a delete
	// marker in a versioned bucket): a typo deserves an error instead.
	if f.versionID == "" || f.olderThan != "" || f.newerThan != "" {
		info, err := t.Client.StatObject(ctx, t.Bucket, t.Key, client.StatObjectOptions{VersionID: f.versionID})
		if client.IsNotFound(err) && f.versionID == "" {
			return errors.New("no such object (a prefix is removed with --recursive --force)")
		}
		if err != nil {
			return err
		}
		if !times.keep(info.LastModified) {
			return nil
		}
	}
	removed := removal{Target: t.String(), VersionID: f.versionID, DryRun: f.dryRun}
	if !f.dryRun {
		if err := t.Client.RemoveObject(ctx, t.Bucket, t.Key, client.RemoveObjectOptions{VersionID: f.versionID, BypassGovernance: f.bypass}); err != nil {
			return err
		}
	}
	e.Printer().Info(removed)
	return nil
}

// removal confirms one object, version or upload removed.
type removal struct {
	Target       string `json:"key"`
	VersionID    string `json:"versionId,omitempty"`
	DeleteMarker bool   `json:"isDeleteMarker,omitempty"`
	UploadID     string `json:"uploadId,omitempty"`
	DryRun       bool   `json:"dryRun,omitempty"`
}

func (r removal) Text() string {
	verb := "Removed"
	if r.DryRun {
		verb = "Would remove"
	}
	switch {
	case r.UploadID != "":
		return fmt.Sprintf("%s incomplete upload `%s` (uploadId=%s).", verb, r.Target, r.UploadID)
	case r.VersionID != "":
		return fmt.Sprintf("%s `%s` (versionId=%s).", verb, r.Target, r.VersionID)
	}
	return fmt.Sprintf("%s `%s`.", verb, r.Target)
}

// deleter removes objects of one bucket in batches of up to 1000 with
// DeleteObjects, confirming each removal and reporting each failure.
type deleter struct {
	e      *Env
	t      Target // the bucket; Key is not used
	bypass bool
	dryRun bool
	// quiet confirms nothing (rb --force), failures are still reported.
	quiet  bool
	batch  []client.ObjectToDelete
	marker map[client.ObjectToDelete]bool
	failed int
}

func (d *deleter) removeOne(ctx context.Context, o client.ObjectToDelete) error {
	return d.t.Client.RemoveObject(ctx, d.t.Bucket, o.Key, client.RemoveObjectOptions{VersionID: o.VersionID, BypassGovernance: d.bypass})
}

// deleteBatch is the most objects one DeleteObjects request carries.
const deleteBatch = 1000

func (d *deleter) add(ctx context.Context, key, versionID string, deleteMarker bool) error {
	o := client.ObjectToDelete{Key: key, VersionID: versionID}
	d.batch = append(d.batch, o)
	if deleteMarker {
		if d.marker == nil {
			d.marker = map[client.ObjectToDelete]bool{}
		}
		d.marker[o] = true
	}
	if len(d.batch) >= deleteBatch {
		return d.flush(ctx)
	}
	return nil
}

func (d *deleter) flush(ctx context.Context) error {
	if len(d.batch) == 0 {
		return nil
	}
	batch, markers := d.batch, d.marker
	d.batch, d.marker = nil, nil
	failures := map[client.ObjectToDelete]client.DeleteError{}
	if !d.dryRun {
		err := d.t.Client.RemoveObjects(ctx, d.t.Bucket, slices.Values(batch), client.RemoveObjectsOptions{BypassGovernance: d.bypass})
		var partly *client.RemoveObjectsError
		switch {
		case err == nil:
		case !errors.As(err, &partly):
			return err
		case partly.Err != nil:
			return partly.Err
		}
		var failed []client.DeleteError
		if partly != nil {
			failed = partly.Failed
		}
		for _, de := range failed {
			o := client.ObjectToDelete{Key: de.Key, VersionID: de.VersionID}
			if de.Code == "InvalidArgument" {
				// A key XML cannot carry (a control character) goes
				// alone, in the URL of a DELETE.
				if rerr := d.removeOne(ctx, o); rerr != nil {
					de = client.DeleteError{Key: o.Key, VersionID: o.VersionID, Code: client.ErrorCode(rerr), Message: rerr.Error()}
				} else {
					continue
				}
			}
			failures[o] = de
		}
	}
	p := d.e.Printer()
	for _, o := range batch {
		name := d.t.Alias + "/" + d.t.Bucket + "/" + o.Key
		if de, bad := failures[o]; bad {
			d.failed++
			p.Error(fmt.Errorf("%s: %w", name, de))
			continue
		}
		if !d.quiet {
			p.Info(removal{Target: name, VersionID: o.VersionID, DeleteMarker: markers[o], DryRun: d.dryRun})
		}
	}
	return nil
}

// uploadRemoval says which incomplete uploads abortUploads aborts and
// how it tells of them.
type uploadRemoval struct {
	// match selects keys; nil is every key under the target.
	match func(string) bool
	// times selects by the upload's start (--older-than, --newer-than).
	times timeFilter
	// dryRun aborts nothing, only tells; quiet does not tell.
	dryRun, quiet bool
}

// abortUploads aborts the incomplete uploads of t's buckets that r
// selects.
func (e *Env) abortUploads(ctx context.Context, t Target, r uploadRemoval) error {
	names, err := buckets(ctx, t)
	if err != nil {
		return err
	}
	for _, b := range names {
		ups, err := listUploads(ctx, t.Client, b, t.Key, true)
		if err != nil {
			return err
		}
		for _, u := range ups {
			if (r.match != nil && !r.match(u.Key)) || !r.times.keep(u.Initiated) {
				continue
			}
			if !r.dryRun {
				// An upload that is gone (completed, or aborted by someone
				// else meanwhile) is as good as aborted.
				if err := t.Client.AbortMultipartUpload(ctx, u); err != nil && client.ErrorCode(err) != "NoSuchUpload" {
					return fmt.Errorf("upload %s of %s: %w", u.UploadID, u.Key, err)
				}
			}
			if !r.quiet {
				e.Printer().Info(removal{Target: t.Alias + "/" + b + "/" + u.Key, UploadID: u.UploadID, DryRun: r.dryRun})
			}
		}
	}
	return nil
}
