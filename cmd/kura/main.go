// Command kura is the kura object store: the S3 server and its tools.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/internal/cli"

	// Every kind of notification target: the server opens them, and
	// "kura admin notify add" has a subcommand for each.
	_ "github.com/kurastore/kura/internal/notify/alltargets"
)

func main() {
	root := &cobra.Command{
		Use:           "kura",
		Short:         "kura: an S3-compatible object store",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serverCommand(), adminCommand(), benchCommand(), scrubCommand())
	root.AddCommand(cli.Commands()...)
	if err := root.Execute(); err != nil {
		code, reported := cli.ExitStatus(err)
		if !reported {
			fmt.Fprintln(os.Stderr, "kura:", err)
		}
		os.Exit(code)
	}
}
