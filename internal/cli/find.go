package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(findCommand) }

type findFlags struct {
	name, path, regex, larger, smaller, olderThan, newerThan, exec string
	maxDepth                                                       int
}

// findFilter is what find keeps, parsed.
type findFilter struct {
	name, path      string
	regex           *regexp.Regexp
	larger, smaller int64 // -1 when not set
	times           timeFilter
	maxDepth        int
}

func (f findFlags) parse() (findFilter, error) {
	ff := findFilter{name: f.name, path: f.path, larger: -1, smaller: -1, maxDepth: f.maxDepth}
	for _, glob := range []string{f.name, f.path} {
		if _, err := path.Match(glob, ""); err != nil {
			return ff, fmt.Errorf("pattern %q: %w", glob, err)
		}
	}
	var err error
	if f.regex != "" {
		if ff.regex, err = regexp.Compile(f.regex); err != nil {
			return ff, err
		}
	}
	if f.larger != "" {
		if ff.larger, err = ParseSize(f.larger); err != nil {
			return ff, err
		}
	}
	if f.smaller != "" {
		if ff.smaller, err = ParseSize(f.smaller); err != nil {
			return ff, err
		}
	}
	if f.maxDepth < 0 {
		return ff, errors.New("--maxdepth must not be negative")
	}
	if f.maxDepth == 0 {
		ff.maxDepth = math.MaxInt
	}
	ff.times, err = newTimeFilter(f.olderThan, f.newerThan)
	return ff, err
}

// keep reports whether an object matches; rel is its key below the
// target, which --maxdepth counts the levels of.
func (f findFilter) keep(o client.ObjectInfo, rel string) bool {
	if strings.Count(rel, "/")+1 > f.maxDepth {
		return false
	}
	if f.name != "" {
		if ok, _ := path.Match(f.name, path.Base(o.Key)); !ok {
			return false
		}
	}
	if f.path != "" {
		if ok, _ := path.Match(f.path, o.Key); !ok {
			return false
		}
	}
	if f.regex != nil && !f.regex.MatchString(o.Key) {
		return false
	}
	if f.larger >= 0 && o.Size <= f.larger {
		return false
	}
	if f.smaller >= 0 && o.Size >= f.smaller {
		return false
	}
	return f.times.keep(o.LastModified)
}

// found is one object find matched.
type found struct {
	Key          string    `json:"key"`
	Size         int64     `json:"size"`
	LastModified time.Time `json:"lastModified"`
	ETag         string    `json:"etag,omitempty"`
}

func (f found) Text() string { return f.Key }

func findCommand(e *Env) *cobra.Command {
	var f findFlags
	cmd := &cobra.Command{
		Use:   "find TARGET [filters]",
		Short: "Find objects by name, path, size and age",
		Long: `find lists every object under TARGET (ALIAS, ALIAS/BUCKET or a prefix)
that matches all the filters given. --name matches the last element of
the key and --path the whole key, with shell patterns (*, ?, [a-z]);
--regex is a regular expression on the key. --exec runs a command for
each object, with {} replaced by its ALIAS/BUCKET/KEY (no shell).`,
		Example: `  kura find local/logs --name "*.gz" --older-than 30d
  kura find local/media --larger 1GiB --exec "kura stat {}"`,
		Args: cobra.ExactArgs(1),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "shell pattern on the object's base name")
	fl.StringVar(&f.path, "path", "", "shell pattern on the whole key")
	fl.StringVar(&f.regex, "regex", "", "regular expression on the whole key")
	fl.StringVar(&f.larger, "larger", "", "only objects larger than this (64MiB, 1GB)")
	fl.StringVar(&f.smaller, "smaller", "", "only objects smaller than this")
	fl.StringVar(&f.olderThan, "older-than", "", "only objects last modified at least this long ago (7d10h)")
	fl.StringVar(&f.newerThan, "newer-than", "", "only objects last modified at most this long ago")
	fl.IntVar(&f.maxDepth, "maxdepth", 0, "descend at most this many levels below the target (0: no limit)")
	fl.StringVar(&f.exec, "exec", "", "run this command for each object, {} being its path")
	cmd.ValidArgsFunction = e.completeTarget
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		filter, err := f.parse()
		if err != nil {
			return err
		}
		t, err := e.ResolveRemote(args[0])
		if err != nil {
			return err
		}
		base := t.Key[:strings.LastIndex(t.Key, "/")+1]
		return walk(ctx, t, walkOptions{Recursive: true}, func(bucket string, o client.ObjectInfo) error {
			rel := strings.TrimPrefix(o.Key, base)
			if t.Bucket == "" {
				rel = bucket + "/" + o.Key
			}
			if !underTarget(t, o.Key) || !filter.keep(o, rel) {
				return nil
			}
			name := t.Alias + "/" + bucket + "/" + o.Key
			if f.exec != "" {
				return runExec(ctx, f.exec, name)
			}
			e.Printer().Print(found{Key: name, Size: o.Size, LastModified: o.LastModified, ETag: o.ETag})
			return nil
		})
	})
	return cmd
}

// runExec runs command, split on spaces, with {} replaced by name. No
// shell is involved, so a key cannot inject one.
func runExec(ctx context.Context, command, name string) error {
	argv := strings.Fields(command)
	if len(argv) == 0 {
		return errors.New("--exec is empty")
	}
	for i, a := range argv {
		argv[i] = strings.ReplaceAll(a, "{}", name)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("--exec %s: %w", strings.Join(argv, " "), err)
	}
	return nil
}
