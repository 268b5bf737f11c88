package main

import (
	"fmt"
	"io"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
)

// adminUsageCommand reports what buckets hold, from the server's usage
// counters.
func adminUsageCommand(f *adminFlags) *cobra.Command {
	return run(f, "usage [BUCKET]", "Show each bucket's objects, versions, size and unfinished uploads (exact, without listing)",
		cobra.MaximumNArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			var usage []admin.BucketUsage
			if len(a) == 1 {
				u, err := c.BucketDataUsage(cmd.Context(), a[0])
				if err != nil {
					return err
				}
				usage = []admin.BucketUsage{u}
			} else {
				var err error
				if usage, err = c.DataUsage(cmd.Context()); err != nil {
					return err
				}
			}
			return f.emit(cmd.OutOrStdout(), usage, "BUCKET\tOBJECTS\tSIZE\tBYTES\tVERSIONS\tDELETE MARKERS\tUPLOADS\tUPLOAD BYTES", func(tw io.Writer) {
				var total admin.BucketUsage
				for _, u := range usage {
					writeUsageRow(tw, u.Bucket, u)
					total.Objects += u.Objects
					total.Bytes += u.Bytes
					total.Versions += u.Versions
					total.DeleteMarkers += u.DeleteMarkers
					total.Uploads += u.Uploads
					total.UploadBytes += u.UploadBytes
				}
				if len(usage) > 1 {
					writeUsageRow(tw, "(total)", total)
				}
			})
		})
}

func writeUsageRow(tw io.Writer, name string, u admin.BucketUsage) {
	fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\n", name, u.Objects, humanize.IBytes(uint64(max(u.Bytes, 0))), u.Bytes,
		u.Versions, u.DeleteMarkers, u.Uploads, u.UploadBytes)
}
