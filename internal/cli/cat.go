package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(catCommand) }

func catCommand(e *Env) *cobra.Command {
	var versionID string
	var offset int64
	cmd := &cobra.Command{
		Use:   "cat ALIAS/BUCKET/KEY|FILE...",
		Short: "Write objects to standard output",
		Args:  cobra.MinimumNArgs(1),
	}
	cmd.Flags().StringVar(&versionID, "version-id", "", "read this version")
	cmd.Flags().Int64Var(&offset, "offset", 0, "start at this byte")
	cmd.ValidArgsFunction = e.completeTarget
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		if versionID != "" && len(args) > 1 {
			return fmt.Errorf("--version-id takes one object")
		}
		for _, arg := range args {
			t, err := e.Resolve(arg)
			if err == nil && t.IsLocal() {
				err = catFile(t.Local, offset, e.Printer().Out())
				if err != nil {
					return err
				}
				continue
			}
			if err == nil {
				t, err = e.ResolveObject(arg)
			}
			if err != nil {
				return err
			}
			if err := catObject(ctx, t, client.GetObjectOptions{VersionID: versionID, Offset: offset}, e.Printer().Out()); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
		return nil
	})
	return cmd
}

// catObject streams one object to w, its checksum verified when the
// server stored one for the whole object.
func catObject(ctx context.Context, t Target, opts client.GetObjectOptions, w io.Writer) error {
	opts.ChecksumMode = opts.Offset == 0
	obj, err := t.Client.GetObject(ctx, t.Bucket, t.Key, opts)
	if err != nil {
		return err
	}
	defer obj.Close()
	_, err = io.Copy(w, obj)
	return err
}

// catFile copies a local file to w, as mc cat does for local paths.
func catFile(path string, offset int64, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return err
		}
	}
	_, err = io.Copy(w, f)
	return err
}
