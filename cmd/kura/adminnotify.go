package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/internal/notify"
)

// adminNotifyCommand manages the targets of event notifications.
func adminNotifyCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Manage event notification targets (webhook, Redis, NATS, MQTT, AMQP, PostgreSQL, MySQL, Kafka)",
	}
	add := &cobra.Command{
		Use:   "add TYPE NAME [flags]",
		Short: "Add a target: the server connects to it once, stores it, and prints its ARN",
		Long: "Add a notification target. The server checks it by connecting once, stores it (secrets sealed)\n" +
			"and prints its ARN, which bucket notification configurations name. One subcommand per type.",
	}
	for _, k := range notify.Kinds() {
		add.AddCommand(adminNotifyAddKind(f, k))
	}
	cmd.AddCommand(add,
		run(f, "list", "List the targets", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			ts, err := c.NotifyTargets(cmd.Context(), false)
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), ts, "ARN\tSOURCE\tSETTINGS", func(tw io.Writer) {
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", t.ARN, t.Source, formatSettings(t.Settings))
				}
			})
		}),
		run(f, "status", "Show whether each target is reachable, and its events pending, delivered and failed", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			ts, err := c.NotifyTargets(cmd.Context(), true)
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), ts, "ARN\tREACHABLE\tDELIVERS HERE\tPENDING\tDELIVERED\tFAILED\tDROPPED\tP50 MS\tP99 MS\tLAST ERROR", func(tw io.Writer) {
				for _, t := range ts {
					reachable := t.Reachable != nil && *t.Reachable
					lastErr := t.LastError
					if !reachable && t.PingError != "" {
						lastErr = t.PingError
					}
					fmt.Fprintf(tw, "%s\t%v\t%v\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%s\n", t.ARN, reachable, t.Delivering, t.Pending, t.Delivered, t.Failed, t.Dropped, t.LatencyP50, t.LatencyP99, lastErr)
				}
			})
		}),
		run(f, "remove TYPE NAME", "Remove a target added with add; its queued events are dropped", cobra.ExactArgs(2), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			dropped, err := c.RemoveNotifyTarget(cmd.Context(), a[0], a[1])
			if err != nil {
				return err
			}
			return done(cmd, "Removed %s target %s (%d queued events dropped).", a[0], a[1], dropped)
		}),
	)
	return cmd
}

// adminNotifyAddKind is "notify add TYPE NAME" with one flag per setting
// of the kind.
func adminNotifyAddKind(f *adminFlags, k notify.Kind) *cobra.Command {
	values := map[string]*string{}
	cmd := run(f, k.Type+" NAME", k.Help, cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		settings := map[string]string{}
		for name, v := range values {
			if cmd.Flags().Changed(name) {
				settings[name] = *v
			}
		}
		arn, err := c.AddNotifyTarget(cmd.Context(), k.Type, a[0], settings)
		if err != nil {
			return err
		}
		if f.json {
			return f.emit(cmd.OutOrStdout(), map[string]string{"arn": arn, "type": k.Type, "name": strings.ToLower(a[0])}, "", nil)
		}
		// The ARN alone, so that scripts can capture it.
		fmt.Fprintln(cmd.OutOrStdout(), arn)
		return nil
	})
	for _, s := range k.Settings {
		help := s.Help
		if s.Required {
			help += " (required)"
		}
		if s.Secret {
			help += " (secret: sealed at rest, never shown)"
		}
		values[s.Name] = cmd.Flags().String(s.Name, s.Default, help)
	}
	return cmd
}

func formatSettings(m map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
