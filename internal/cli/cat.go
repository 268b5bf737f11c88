package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(catCommand) }

func catCommand(e *Env) *cobra.Command {
	var versionID string
	var offset int64
	cmd := &cobra.Command{
		Use:   "cat ALIAS/BUCKET/KEY...",
		Short: "Write objects to standard output",
		Args:  cobra.MinimumNArgs(1),
	}
	cmd.Flags().StringVar(&versionID, "version-id", "", "read this version")
	cmd.Flags().Int64Var(&offset, "offset", 0, "start at this byte")
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		if versionID != "" && len(args) > 1 {
			return fmt.Errorf("--version-id takes one object")
		}
		for _, arg := range args {
			t, err := e.ResolveObject(arg)
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
