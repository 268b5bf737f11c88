package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

// builders are the functions that make the top-level client commands.
// Each command's file adds its own in an init function, so that adding a
// command never edits a shared list.
var builders []func(*Env) *cobra.Command

// register adds a top-level command to those Commands returns.
func register(build func(*Env) *cobra.Command) { builders = append(builders, build) }

// Commands returns kura's client commands, ready for the root command.
// They share one Env, and each carries the global flags (--json,
// --quiet, --insecure, --config-dir) as persistent flags.
func Commands() []*cobra.Command {
	env := NewEnv(os.Stdout, os.Stderr)
	cmds := make([]*cobra.Command, 0, len(builders))
	for _, build := range builders {
		cmd := build(env)
		env.bindGlobalFlags(cmd)
		cmds = append(cmds, cmd)
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name() < cmds[j].Name() })
	return cmds
}

// Env is what every client command shares: the global flags, the alias
// configuration, the clients made from it and the printer.
type Env struct {
	// Global flags.
	JSON, Quiet, Insecure bool
	// ConfigDir is --config-dir; empty means KURA_CONFIG_DIR, or kura/
	// in the user's configuration directory.
	ConfigDir string

	stdout, stderr io.Writer

	mu      sync.Mutex
	printer *Printer
	clients map[string]*client.Client
}

// NewEnv returns an Env that prints to stdout and stderr.
func NewEnv(stdout, stderr io.Writer) *Env {
	return &Env{stdout: stdout, stderr: stderr, clients: map[string]*client.Client{}}
}

func (e *Env) bindGlobalFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.BoolVar(&e.JSON, "json", false, "print JSON lines, one per result, each with a \"status\" field")
	f.BoolVarP(&e.Quiet, "quiet", "q", false, "print no progress and no confirmations, only results and errors")
	f.BoolVar(&e.Insecure, "insecure", false, "do not verify the server's TLS certificate (self-signed servers)")
	f.StringVar(&e.ConfigDir, "config-dir", "", "directory of aliases.json (default $KURA_CONFIG_DIR, else kura/ in the user config dir)")
}

// Printer returns the printer of the command line's --json and --quiet.
// It is made on first use, after the flags were parsed.
func (e *Env) Printer() *Printer {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.printer == nil {
		e.printer = NewPrinter(e.stdout, e.stderr, e.JSON, e.Quiet)
	}
	return e.printer
}

// Run is the RunE of a client command: it runs fn with a context that
// Ctrl-C (SIGINT) and SIGTERM cancel, and reports fn's error through the
// printer (a JSON line with --json), so that main only sets the exit
// status.
func (e *Env) Run(fn func(ctx context.Context, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		parent := cmd.Context()
		if parent == nil {
			parent = context.Background()
		}
		ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
		defer stop()
		// After the first Ctrl-C the signals are Go's again: a second
		// one ends a command that is slow to stop at once.
		go func() {
			<-ctx.Done()
			stop()
		}()
		err := fn(ctx, args)
		if err == nil {
			return nil
		}
		var already reportedError
		if errors.As(err, &already) {
			return err
		}
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			err = errInterrupted
		}
		e.Printer().Error(err)
		return reportedError{err: err}
	}
}

var errInterrupted = errors.New("interrupted")

// reportedError is an error the printer already showed.
type reportedError struct{ err error }

func (r reportedError) Error() string { return r.err.Error() }
func (r reportedError) Unwrap() error { return r.err }

// ErrPartial is returned by a command that reported some failures
// already (a recursive rm that could not delete every object) and must
// exit with a failure status.
var ErrPartial = reportedError{err: errors.New("some operations failed")}

// ExitStatus tells main how to end after a command returned err: the
// exit code, and whether the error was already printed.
func ExitStatus(err error) (code int, reported bool) {
	var r reportedError
	if errors.As(err, &r) {
		if errors.Is(r.err, errInterrupted) {
			return 130, true
		}
		return 1, true
	}
	return 1, false
}
