package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
)

// errDamaged makes `kura scrub` exit non-zero without printing twice.
var errDamaged = errors.New("damaged objects found")

func scrubCommand() *cobra.Command {
	var collect bool
	cmd := &cobra.Command{
		Use:   "scrub DIR",
		Short: "Verify every stored object of a stopped server and list the damaged ones",
		Long: `scrub reads every object version and uploaded part in DIR, verifying inline
data and every blob block against its checksum and each stored size against
its record. It lists damaged objects and exits 1 if there are any.

With --collect it first deletes what the running server's collector
would delete later: blobs of deleted objects and orphan blobs left by
writes that failed or were cut short, whatever their age.

The server must be stopped (the metadata store allows one process); on a
running server use ` + "`kura admin scrub`" + `.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runScrub(cmd, args[0], collect) },
	}
	cmd.Flags().BoolVar(&collect, "collect", false, "first delete every unreferenced blob (the server must be stopped)")
	return cmd
}

func runScrub(cmd *cobra.Command, dir string, collect bool) error {
	if _, err := os.Stat(filepath.Join(dir, "meta")); err != nil {
		return fmt.Errorf("%s is not a kura data directory: %w", dir, err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := pebblestore.Open(filepath.Join(dir, "meta"), &pebblestore.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("opening metadata (is the server still running? use `kura admin scrub`): %w", err)
	}
	defer m.Close()
	blobs, err := dirstore.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		return err
	}
	// With the server stopped no write is in flight, so nothing needs the
	// collector's grace periods.
	layer := object.New(m, blobs, object.Options{Logger: log, GCDelay: time.Nanosecond, OrphanGrace: time.Nanosecond})
	out := cmd.OutOrStdout()
	if collect {
		queued, _, err := layer.DrainQueue(cmd.Context())
		if err != nil {
			return err
		}
		orphans, err := layer.SweepOrphans(cmd.Context())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "collected %d blobs of deleted objects and %d orphan blobs\n", queued, orphans)
	}
	st, err := layer.Scrub(cmd.Context(), func(d object.Damage) { fmt.Fprintln(out, "DAMAGED", d) })
	if err != nil {
		return err
	}
	printScrubStats(out, st)
	if st.Damaged > 0 {
		return fmt.Errorf("%w: %d", errDamaged, st.Damaged)
	}
	return nil
}

func printScrubStats(w io.Writer, st object.ScrubStats) {
	fmt.Fprintf(w, "checked %d records (%d inline, %d blobs, %d bytes): %d damaged, %d orphan blobs\n", st.Records, st.Inline, st.Blobs, st.Bytes, st.Damaged, st.Orphans)
}
