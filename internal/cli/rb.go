package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(rbCommand) }

func rbCommand(e *Env) *cobra.Command {
	var force, dangerous bool
	cmd := &cobra.Command{
		Use:   "rb ALIAS/BUCKET...",
		Short: "Remove buckets",
		Long: `rb removes empty buckets. With --force it first deletes every object,
version, delete marker and incomplete upload of the bucket, bypassing
governance retention (compliance retention and legal holds still
protect their versions). rb --force ALIAS removes every bucket of the
server and needs --dangerous.`,
		Args: cobra.MinimumNArgs(1),
	}
	cmd.Flags().BoolVar(&force, "force", false, "delete everything in the bucket first")
	cmd.Flags().BoolVar(&dangerous, "dangerous", false, "allow rb --force ALIAS, which removes every bucket")
	cmd.ValidArgsFunction = e.completeTarget
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		for _, arg := range args {
			t, err := e.ResolveRemote(arg)
			if err != nil {
				return err
			}
			if t.Key != "" {
				return errors.New(arg + ": rb removes buckets; rm removes objects")
			}
			if t.IsServer() && !(force && dangerous) {
				return errors.New(arg + ": removing every bucket of a server needs --force --dangerous")
			}
			names, err := buckets(ctx, t)
			if err != nil {
				return err
			}
			for _, b := range names {
				bt := t
				bt.Bucket = b
				if err := e.removeBucket(ctx, bt, force); err != nil {
					return fmt.Errorf("%s: %w", bt, err)
				}
			}
		}
		return nil
	})
	return cmd
}

func (e *Env) removeBucket(ctx context.Context, t Target, force bool) error {
	if force {
		if err := e.abortUploads(ctx, t, uploadRemoval{quiet: true}); err != nil {
			return err
		}
		d := deleter{e: e, t: t, bypass: true, quiet: true}
		err := walk(ctx, t, walkOptions{Recursive: true, Versions: true}, func(_ string, o client.ObjectInfo) error {
			return d.add(ctx, o.Key, o.VersionID, o.IsDeleteMarker)
		})
		if err == nil {
			err = d.flush(ctx)
		}
		if err != nil {
			return err
		}
		if d.failed > 0 {
			return fmt.Errorf("%d of its versions could not be deleted", d.failed)
		}
	}
	if err := t.Client.RemoveBucket(ctx, t.Bucket); err != nil {
		return err
	}
	e.Printer().Info(bucketDone{Bucket: t.String(), Op: "removed"})
	return nil
}
