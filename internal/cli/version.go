package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/wire/versioning"
)

func init() { register(versionCommand) }

// versioningState is the answer of the version subcommands.
type versioningState struct {
	Bucket string `json:"bucket"`
	// Versioning is Enabled, Suspended or "" (never versioned).
	Versioning string `json:"versioning"`
	Op         string `json:"op"`
}

func (v versioningState) Text() string {
	switch {
	case v.Op == "enable":
		return fmt.Sprintf("%s versioning is enabled", v.Bucket)
	case v.Op == "suspend":
		return fmt.Sprintf("%s versioning is suspended", v.Bucket)
	case v.Versioning == "":
		return fmt.Sprintf("%s is un-versioned", v.Bucket)
	}
	return fmt.Sprintf("%s versioning is %s", v.Bucket, map[string]string{versioning.Enabled: "enabled", versioning.Suspended: "suspended"}[v.Versioning])
}

func versionCommand(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Enable, suspend or show a bucket's versioning",
	}
	set := func(op, status string) *cobra.Command {
		c := &cobra.Command{
			Use:   op + " ALIAS/BUCKET...",
			Short: op + " versioning",
			Args:  cobra.MinimumNArgs(1),
		}
		c.ValidArgsFunction = e.completeTarget
		c.RunE = e.Run(func(ctx context.Context, args []string) error {
			for _, arg := range args {
				t, err := e.ResolveBucket(arg)
				if err != nil {
					return err
				}
				if err := t.Client.SetBucketVersioning(ctx, t.Bucket, &versioning.Configuration{Status: status}); err != nil {
					return fmt.Errorf("%s: %w", t, err)
				}
				e.Printer().Info(versioningState{Bucket: t.String(), Versioning: status, Op: op})
			}
			return nil
		})
		return c
	}
	info := &cobra.Command{
		Use:   "info ALIAS/BUCKET...",
		Short: "show versioning",
		Args:  cobra.MinimumNArgs(1),
	}
	info.ValidArgsFunction = e.completeTarget
	info.RunE = e.Run(func(ctx context.Context, args []string) error {
		for _, arg := range args {
			t, err := e.ResolveBucket(arg)
			if err != nil {
				return err
			}
			cfg, err := t.Client.GetBucketVersioning(ctx, t.Bucket)
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			e.Printer().Print(versioningState{Bucket: t.String(), Versioning: cfg.Status, Op: "info"})
		}
		return nil
	})
	cmd.AddCommand(set("enable", versioning.Enabled), set("suspend", versioning.Suspended), info)
	return cmd
}
