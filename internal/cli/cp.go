package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/internal/cli/progress"
	"github.com/kurastore/kura/internal/cli/transfer"
)

func init() { register(cpCommand) }

// transferFlags are the flags cp and mirror share.
type transferFlags struct {
	parallel, partParallel int
	partSize               string
	preserve               bool
	storageClass           string
	attrs                  string
}

func (f *transferFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.IntVar(&f.parallel, "parallel", transfer.DefaultParallel, "files transferred at once")
	fl.IntVar(&f.partParallel, "part-parallel", transfer.DefaultPartParallel, "parts of a large file sent at once")
	fl.StringVar(&f.partSize, "part-size", "", "size of multipart parts, 5MiB to 5GiB (default: from the file's size, at least 16MiB)")
	fl.BoolVarP(&f.preserve, "preserve", "a", false, "keep files' modification time and mode as metadata and restore them on download")
	fl.StringVar(&f.storageClass, "storage-class", "", "storage class of the objects written")
	fl.StringVar(&f.attrs, "attr", "", "metadata for the objects written: \"key1=value1;key2=value2\"")
}

// engine makes the transfer engine of the flags, reporting to d.
func (f *transferFlags) engine(d *progress.Display) (*transfer.Engine, error) {
	opts := transfer.Options{
		Parallel: f.parallel, PartParallel: f.partParallel, Preserve: f.preserve, StorageClass: f.storageClass, Observer: d,
	}
	if f.partSize != "" {
		n, err := ParseSize(f.partSize)
		if err != nil {
			return nil, fmt.Errorf("--part-size: %w", err)
		}
		opts.PartSize = n
	}
	if f.attrs != "" {
		opts.Metadata = map[string]string{}
		for _, kv := range strings.Split(f.attrs, ";") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("--attr: %q is not key=value", kv)
			}
			opts.Metadata[k] = v
		}
	}
	return transfer.New(opts)
}

// display is the progress display the flags and stdout call for: bars
// on a terminal, JSON lines, plain lines, or only errors.
func (e *Env) display() *progress.Display {
	p := e.Printer()
	mode := progress.Lines
	switch {
	case p.JSON():
		mode = progress.JSON
	case p.Quiet():
		mode = progress.Quiet
	case p.Terminal():
		mode = progress.Bars
	}
	return progress.New(p.Out(), e.stderr, mode)
}

// location is a resolved path as the transfer engine takes it.
func location(t Target) transfer.Location {
	if t.IsLocal() {
		return transfer.Local(t.Local)
	}
	return transfer.Remote(t.Client, t.Bucket, t.Key, t.String())
}

func (e *Env) resolveTransfer(arg string) (transfer.Location, error) {
	t, err := e.Resolve(arg)
	if err != nil {
		return transfer.Location{}, err
	}
	if t.IsServer() {
		return transfer.Location{}, errors.New(arg + ": give a bucket, ALIAS/BUCKET[/KEY]")
	}
	return location(t), nil
}

func cpCommand(e *Env) *cobra.Command {
	var flags transferFlags
	var recursive bool
	cmd := &cobra.Command{
		Use:   "cp SOURCE... TARGET",
		Short: "Copy files and objects between local directories and buckets",
		Long: `Copy files and objects: local to bucket, bucket to local, bucket to bucket
(on the server when both are on one). SOURCE and TARGET are local paths or
ALIAS/BUCKET/KEY. A directory or prefix needs --recursive; it is copied under
its own name unless it ends with '/'. Large files go in parts, several at a
time; an interrupted upload is continued by the next cp of the same file.
Uploads are checksummed (CRC32C, verified by the server) and downloads are
verified before they replace the target. Ctrl-C stops cleanly (exit 130).`,
		Args: cobra.MinimumNArgs(2),
	}
	flags.bind(cmd)
	cmd.Flags().BoolVarP(&recursive, "recursive", "r", false, "copy directories and prefixes with everything below them")
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		var srcs []transfer.Location
		for _, a := range args[:len(args)-1] {
			l, err := e.resolveTransfer(a)
			if err != nil {
				return err
			}
			srcs = append(srcs, l)
		}
		dst, err := e.resolveTransfer(args[len(args)-1])
		if err != nil {
			return err
		}
		d := e.display()
		eng, err := flags.engine(d)
		if err != nil {
			return err
		}
		tasks, planErr := eng.PlanCopy(ctx, srcs, dst, recursive)
		if planErr != nil && ctx.Err() == nil {
			e.Printer().Error(planErr)
		}
		err = eng.Run(ctx, tasks)
		d.Close()
		return transferResult(ctx, d, err, planErr)
	})
	return cmd
}

// transferResult is a transfer command's error: the interruption, a
// failure the display has not shown, or ErrPartial after failures it
// showed.
func transferResult(ctx context.Context, d *progress.Display, err, shown error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case d.Failed() > 0 || shown != nil:
		return ErrPartial
	}
	return err
}
