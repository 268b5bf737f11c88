package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
)

// adminLifecycleCommand reports on the lifecycle scanner.
func adminLifecycleCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "lifecycle", Short: "Observe the lifecycle scanner that applies bucket lifecycle rules"}
	cmd.AddCommand(run(f, "status", "Show each bucket's last complete scan, how far behind it is, and the actions taken", cobra.NoArgs,
		func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			st, err := c.LifecycleStatus(cmd.Context())
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), st, "BUCKET\tLAST COMPLETE PASS\tBEHIND\tSCANNED\tIN PROGRESS\tACTIONS", func(tw io.Writer) {
				for _, b := range st.Buckets {
					last, behind := "never", "-"
					if !b.LastPassCompleted.IsZero() {
						last = b.LastPassCompleted.UTC().Format(time.RFC3339)
						behind = st.Now.Sub(b.LastPassStarted).Round(time.Second).String()
					}
					progress := "-"
					if b.InProgress {
						progress = fmt.Sprintf("%d at %q", b.Scanned, b.Position)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", b.Bucket, last, behind, b.LastPassScanned, progress, formatCounts(b.Actions))
				}
				// Which server scans: with gateways, the one to look at.
				holder := st.Holder
				if holder == "" {
					holder = "none (no server holds the scanner's lease)"
				}
				fmt.Fprintf(tw, "\nscanner: %s\n", holder)
			})
		}))
	return cmd
}

// formatCounts writes counters as name=n, in name order.
func formatCounts(m map[string]int64) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
