package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/versioning"
)

func init() { register(mbCommand) }

// bucketDone confirms mb and rb.
type bucketDone struct {
	Bucket string `json:"bucket"`
	Op     string `json:"op"` // created, exists, removed
}

func (b bucketDone) Text() string {
	switch b.Op {
	case "exists":
		return fmt.Sprintf("Bucket `%s` already exists.", b.Bucket)
	case "removed":
		return fmt.Sprintf("Removed `%s` successfully.", b.Bucket)
	}
	return fmt.Sprintf("Bucket created successfully `%s`.", b.Bucket)
}

func mbCommand(e *Env) *cobra.Command {
	var withLock, withVersioning, ignoreExisting bool
	var region string
	cmd := &cobra.Command{
		Use:   "mb ALIAS/BUCKET...",
		Short: "Make buckets",
		Args:  cobra.MinimumNArgs(1),
	}
	cmd.Flags().BoolVarP(&withLock, "with-lock", "l", false, "enable object lock (and so versioning)")
	cmd.Flags().BoolVar(&withVersioning, "with-versioning", false, "enable versioning")
	cmd.Flags().StringVar(&region, "region", "", "the bucket's region (LocationConstraint)")
	cmd.Flags().BoolVarP(&ignoreExisting, "ignore-existing", "p", false, "succeed when the bucket exists and is the caller's")
	cmd.ValidArgsFunction = e.completeTarget
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		for _, arg := range args {
			t, err := e.ResolveBucket(arg)
			if err != nil {
				return err
			}
			if t.Key != "" {
				return errors.New(arg + ": a bucket name has no '/'")
			}
			// S3 in us-east-1 answers 200 to creating a bucket the
			// caller owns already: ask first, to tell the user.
			exists, err := t.Client.BucketExists(ctx, t.Bucket)
			if err == nil && !exists {
				err = t.Client.MakeBucket(ctx, t.Bucket, client.MakeBucketOptions{Location: region, ObjectLock: withLock})
			}
			if exists || client.ErrorCode(err) == "BucketAlreadyOwnedByYou" {
				if !ignoreExisting {
					return fmt.Errorf("%s: bucket already exists (--ignore-existing to accept that)", t)
				}
				e.Printer().Info(bucketDone{Bucket: t.String(), Op: "exists"})
				continue
			}
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			if withVersioning && !withLock {
				if err := t.Client.SetBucketVersioning(ctx, t.Bucket, &versioning.Configuration{Status: versioning.Enabled}); err != nil {
					return fmt.Errorf("%s: bucket made, but versioning not enabled: %w", t, err)
				}
			}
			e.Printer().Info(bucketDone{Bucket: t.String(), Op: "created"})
		}
		return nil
	})
	return cmd
}
