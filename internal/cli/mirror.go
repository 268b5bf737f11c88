package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/internal/cli/transfer"
)

func init() { register(mirrorCommand) }

// mirrorPlanned is a line of mirror --dry-run.
type mirrorPlanned struct {
	Action string `json:"action"`
	Source string `json:"source,omitempty"`
	Target string `json:"target"`
	Size   int64  `json:"size,omitempty"`
}

func (m mirrorPlanned) Text() string {
	if m.Action == "remove" {
		return "would remove " + m.Target
	}
	return "would copy " + m.Source + " -> " + m.Target + " (" + FormatSize(m.Size) + ")"
}

func mirrorCommand(e *Env) *cobra.Command {
	var flags transferFlags
	var opts transfer.MirrorOptions
	var watch bool
	cmd := &cobra.Command{
		Use:   "mirror SOURCE TARGET",
		Short: "Make a directory or prefix hold what another holds",
		Long: `Mirror SOURCE to TARGET, each a local directory or ALIAS/BUCKET[/PREFIX]:
copy the files that are new or changed (size or modification time differ;
uploads record the file's time in metadata), and with --remove delete from
TARGET what SOURCE lacks. A target newer than its source is left alone unless
--overwrite is given. --watch keeps mirroring a local SOURCE as it changes,
until Ctrl-C.`,
		Args: cobra.ExactArgs(2),
	}
	flags.bind(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&opts.Remove, "remove", false, "delete target files the source does not have")
	fl.BoolVar(&opts.Overwrite, "overwrite", false, "replace changed targets even when they are newer than the source")
	fl.StringArrayVar(&opts.Exclude, "exclude", nil, "leave out paths or names matching this glob (repeatable)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be copied and removed, change nothing")
	fl.BoolVarP(&watch, "watch", "w", false, "keep mirroring changes of a local source until Ctrl-C")
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		src, err := e.resolveTransfer(args[0])
		if err != nil {
			return err
		}
		dst, err := e.resolveTransfer(args[1])
		if err != nil {
			return err
		}
		d := e.display()
		eng, err := flags.engine(d)
		if err != nil {
			return err
		}
		if watch {
			err = eng.Watch(ctx, src, dst, opts, nil)
			d.Close()
			return transferResult(ctx, d, err, nil)
		}
		plan, err := eng.Mirror(ctx, src, dst, opts)
		d.Close()
		if opts.DryRun && err == nil {
			for _, t := range plan.Copy {
				e.Printer().Print(mirrorPlanned{Action: "copy", Source: t.Source.Name, Target: t.Target.Name, Size: t.Size})
			}
			for _, l := range plan.Remove {
				e.Printer().Print(mirrorPlanned{Action: "remove", Target: l.Name})
			}
			return nil
		}
		return transferResult(ctx, d, err, nil)
	})
	return cmd
}
