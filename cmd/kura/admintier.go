package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
)

// adminTierCommand manages the tiers lifecycle transitions move data to.
func adminTierCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tier",
		Short: "Manage remote tiers (an S3 bucket or a directory) that lifecycle rules transition objects to",
	}
	add := &cobra.Command{
		Use:   "add TYPE NAME [flags]",
		Short: "Add a tier: the server writes and deletes a probe object on it, then stores it",
		Long: "Add a tier. NAME (upper-case letters, digits, '-' and '_', at most 32) is the storage class\n" +
			"transition rules name. The server checks the tier by writing and deleting a probe object,\n" +
			"and stores it with its credentials sealed. One subcommand per type.\n\n" +
			"\"add s3\" takes --endpoint, --access-key, --secret-key and --region for the tier: name the\n" +
			"server with --server and give its keys in KURA_ACCESS_KEY and KURA_SECRET_KEY.",
	}
	add.AddCommand(adminTierAddS3(f), adminTierAddDir(f))
	cmd.AddCommand(add,
		run(f, "list", "List the tiers (secret keys masked)", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			ts, err := c.ListTiers(cmd.Context())
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), ts, "NAME\tTYPE\tWHERE\tACCESS KEY", func(tw io.Writer) {
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Type, tierWhere(t), t.AccessKey)
				}
			})
		}),
		run(f, "status", "Check every tier: can a probe object be written and deleted", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			ts, err := c.CheckTiers(cmd.Context())
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), ts, "NAME\tTYPE\tREACHABLE\tERROR", func(tw io.Writer) {
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", t.Name, t.Type, t.Reachable, t.Error)
				}
			})
		}),
		run(f, "remove NAME", "Remove a tier that no lifecycle rule or object uses", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.RemoveTier(cmd.Context(), a[0]); err != nil {
				return err
			}
			return done(cmd, "Removed tier %s.", a[0])
		}),
	)
	return cmd
}

// tierWhere is where a tier keeps its objects, in one column.
func tierWhere(t admin.Tier) string {
	if t.Type == "dir" {
		return t.Path
	}
	w := t.Endpoint + "/" + t.Bucket
	if t.Prefix != "" {
		w += "/" + t.Prefix
	}
	if t.Region != "" {
		w += " (" + t.Region + ")"
	}
	return w
}

func adminTierAddS3(f *adminFlags) *cobra.Command {
	var t admin.Tier
	cmd := run(f, "s3 NAME", "Add a tier on a bucket of an S3 endpoint (AWS, MinIO, another kura)", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		t.Type = "s3"
		if err := c.AddTier(cmd.Context(), a[0], t); err != nil {
			return err
		}
		return done(cmd, "Added tier %s.", a[0])
	})
	fl := cmd.Flags()
	fl.StringVar(&t.Endpoint, "endpoint", "", "the tier's endpoint, an http:// or https:// URL (required)")
	fl.StringVar(&t.Bucket, "bucket", "", "the bucket objects go to (required)")
	fl.StringVar(&t.Prefix, "prefix", "", "a key prefix for the tier's objects in the bucket")
	fl.StringVar(&t.AccessKey, "access-key", "", "the tier's access key (required)")
	fl.StringVar(&t.SecretKey, "secret-key", "", "the tier's secret key (required; sealed at rest, never shown)")
	fl.StringVar(&t.Region, "region", "", "the region requests to the tier are signed for (default us-east-1)")
	for _, name := range []string{"endpoint", "bucket", "access-key", "secret-key"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func adminTierAddDir(f *adminFlags) *cobra.Command {
	var t admin.Tier
	cmd := run(f, "dir NAME", "Add a tier on a directory of the server (a cheaper disk, a mount)", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		t.Type = "dir"
		if err := c.AddTier(cmd.Context(), a[0], t); err != nil {
			return err
		}
		return done(cmd, "Added tier %s.", a[0])
	})
	cmd.Flags().StringVar(&t.Path, "path", "", "the directory, an absolute path on the server (required)")
	_ = cmd.MarkFlagRequired("path")
	return cmd
}
