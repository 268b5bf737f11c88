package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
)

// adminReplicateCommand manages where buckets replicate to, and follows
// the replication.
func adminReplicateCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "replicate",
		Short: "Manage bucket replication targets (a bucket on another kura, MinIO or AWS) and follow replication",
	}
	cmd.AddCommand(adminReplicateAdd(f),
		run(f, "list SRC_BUCKET", "List the replication targets of a bucket (secret keys never shown)", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			ts, err := c.ReplicationTargets(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), ts, "ARN\tENDPOINT\tBUCKET\tREGION\tBANDWIDTH\tACCESS KEY", func(tw io.Writer) {
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ARN, t.Endpoint, t.DestBucket, t.Region, bandwidthString(t.Bandwidth), t.AccessKey)
				}
			})
		}),
		adminReplicateRemove(f),
		run(f, "status SRC_BUCKET", "Show how replication of a bucket goes, per target", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			sts, err := c.ReplicationStatus(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), sts, "ARN\tPENDING\tPENDING BYTES\tCOMPLETED\tFAILED\tLAG\tRESYNC\tLAST ERROR", func(tw io.Writer) {
				for _, s := range sts {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\t%s\t%s\n", s.ARN, s.Pending, humanize.IBytes(uint64(max(s.PendingBytes, 0))),
						s.Completed, s.Failed, time.Duration(s.LagSeconds*float64(time.Second)).Round(time.Second), resyncString(s), s.LastError)
				}
			})
		}),
		adminReplicateResync(f),
	)
	return cmd
}

func adminReplicateAdd(f *adminFlags) *cobra.Command {
	var t admin.ReplicationTarget
	var bandwidth string
	cmd := run(f, "add SRC_BUCKET", "Add a replication target to a bucket and print its ARN", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		bw, err := parseBandwidth(bandwidth)
		if err != nil {
			return err
		}
		t.Bandwidth = bw
		arn, err := c.AddReplicationTarget(cmd.Context(), a[0], t)
		if err != nil {
			return err
		}
		// Only the ARN, for scripts: ARN=$(kura admin replicate add ...).
		fmt.Fprintln(cmd.OutOrStdout(), arn)
		return nil
	})
	cmd.Long = "Add a replication target to SRC_BUCKET: the bucket --bucket at --endpoint, written with\n" +
		"--access-key and --secret-key (sealed at rest, never shown). The server checks that the bucket\n" +
		"answers those keys with versioning Enabled, then prints the target's ARN: the Destination\n" +
		"Bucket of the rules of SRC_BUCKET's replication configuration.\n\n" +
		"--endpoint, --access-key, --secret-key and --region are the target's here: name the server with\n" +
		"--server and give its keys in KURA_ACCESS_KEY and KURA_SECRET_KEY."
	fl := cmd.Flags()
	fl.StringVar(&t.Endpoint, "endpoint", "", "the target's endpoint, an http:// or https:// URL (required)")
	fl.StringVar(&t.DestBucket, "bucket", "", "the destination bucket; its versioning must be Enabled (required)")
	fl.StringVar(&t.AccessKey, "access-key", "", "the target's access key (required)")
	fl.StringVar(&t.SecretKey, "secret-key", "", "the target's secret key (required; sealed at rest, never shown)")
	fl.StringVar(&t.Region, "region", "", "the region requests to the target are signed for (default us-east-1)")
	fl.StringVar(&bandwidth, "bandwidth", "", "the most the replication may send per second: 10MiB, 500KB, or bytes (default no limit)")
	for _, name := range []string{"endpoint", "bucket", "access-key", "secret-key"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func adminReplicateRemove(f *adminFlags) *cobra.Command {
	var arn string
	cmd := run(f, "remove SRC_BUCKET --arn ARN", "Remove a replication target that no replication rule of the bucket names", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		if err := c.RemoveReplicationTarget(cmd.Context(), a[0], arn); err != nil {
			return err
		}
		return done(cmd, "Removed replication target %s of bucket %s.", arn, a[0])
	})
	cmd.Flags().StringVar(&arn, "arn", "", "the target's ARN, as add printed it (required)")
	_ = cmd.MarkFlagRequired("arn")
	return cmd
}

func adminReplicateResync(f *adminFlags) *cobra.Command {
	var arn string
	cmd := run(f, "resync SRC_BUCKET --target ARN", "Replicate the existing objects of a bucket to a target again", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		if err := c.ResyncReplication(cmd.Context(), a[0], arn); err != nil {
			return err
		}
		return done(cmd, "Resync of bucket %s to %s started; \"kura admin replicate status %s\" follows it.", a[0], arn, a[0])
	})
	cmd.Flags().StringVar(&arn, "target", "", "the target's ARN (required)")
	_ = cmd.MarkFlagRequired("target")
	return cmd
}

// parseBandwidth reads a rate in bytes per second: "10MiB", "500KB",
// "1048576", with or without "/s". Empty means no limit (0). The most is
// math.MaxInt64 bytes.
func parseBandwidth(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	s = strings.TrimSuffix(s, "/s")
	// A plain number is read exactly; humanize reads through a float.
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("--bandwidth %q: not a size such as 10MiB, 500KB or a number of bytes", s)
	}
	if n >= math.MaxInt64 {
		return 0, errors.New("--bandwidth: too large")
	}
	return int64(n), nil
}

func bandwidthString(b int64) string {
	if b <= 0 {
		return "unlimited"
	}
	return humanize.IBytes(uint64(b)) + "/s"
}

func resyncString(s admin.ReplicationTargetStatus) string {
	r := s.Resync
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%s (%d queued of %d scanned)", r.State, r.Queued, r.Scanned)
}
