package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/internal/iam"
)

func adminMetricsCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "metrics", Short: "Prometheus metrics: tokens to scrape them with"}
	var expiry time.Duration
	token := run(f, "token", "Issue a bearer token that scrapes the metrics as these keys, and print a Prometheus scrape config", cobra.NoArgs,
		func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			tok, err := c.MetricsToken(cmd.Context(), expiry)
			if err != nil {
				return err
			}
			if f.json {
				return f.emit(cmd.OutOrStdout(), tok, "", nil)
			}
			u := c.MetricsURL()
			fmt.Fprintf(cmd.OutOrStdout(), `# A metrics token for %s, good until %s.
# It stops working at once if that identity is deleted, disabled or loses admin:Prometheus.
scrape_configs:
  - job_name: kura
    scheme: %s
    metrics_path: %s
    authorization:
      type: Bearer
      credentials: %s
    static_configs:
      - targets: ["%s"]
`, tok.AccessKey, tok.Expires.Format(time.RFC3339), u.Scheme, u.Path, tok.Token, u.Host)
			return nil
		})
	token.Flags().DurationVar(&expiry, "expiry", iam.DefaultMetricsTokenExpiry, fmt.Sprintf("how long the token is good for, from %v to %v", iam.MinMetricsTokenExpiry, iam.MaxMetricsTokenExpiry))
	cmd.AddCommand(token)
	return cmd
}
