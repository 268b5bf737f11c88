package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(duCommand) }

// usage is one line of du.
type usage struct {
	Prefix  string `json:"prefix"`
	Size    int64  `json:"size"`
	Objects int64  `json:"objects"`
	// Versions counts versions and delete markers, with --versions.
	Versions int64 `json:"versions,omitempty"`
}

func (u usage) Text() string {
	count := fmt.Sprintf("%d objects", u.Objects)
	if u.Objects == 1 {
		count = "1 object"
	}
	if u.Versions > 0 {
		count += fmt.Sprintf(", %d versions", u.Versions)
		if u.Versions == 1 {
			count = strings.TrimSuffix(count, "s")
		}
	}
	return fmt.Sprintf("%s\t%s\t%s", FormatSize(u.Size), count, u.Prefix)
}

func duCommand(e *Env) *cobra.Command {
	var depth int
	var versions, recursive bool
	cmd := &cobra.Command{
		Use:   "du [--depth N] [--versions] TARGET...",
		Short: "Sum the sizes of objects under a prefix, a bucket or a server",
		Long: `du lists everything under its target and sums the sizes. --depth N also
prints the sum of every prefix up to N levels below the target.
--versions counts every version, not only the latest.`,
		Args: cobra.MinimumNArgs(1),
	}
	cmd.Flags().IntVarP(&depth, "depth", "d", 0, "also print the prefixes up to this many levels below")
	cmd.Flags().BoolVar(&versions, "versions", false, "include every version (noncurrent ones too)")
	cmd.Flags().BoolVarP(&recursive, "recursive", "r", false, "with --depth: every level (like a large --depth)")
	cmd.ValidArgsFunction = e.completeTarget
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		if depth < 0 {
			return errors.New("--depth must not be negative")
		}
		if recursive {
			depth = int(^uint(0) >> 1)
		}
		for _, arg := range args {
			t, err := e.ResolveRemote(arg)
			if err != nil {
				return err
			}
			lines, err := du(ctx, t, depth, versions)
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			for _, l := range lines {
				e.Printer().Print(l)
			}
		}
		return nil
	})
	return cmd
}

// du sums t's objects: the sub-prefixes up to depth levels below t, in
// order, then t's total.
func du(ctx context.Context, t Target, depth int, versions bool) ([]usage, error) {
	total := usage{Prefix: t.String()}
	subs := map[string]*usage{}
	base := t.Key[:strings.LastIndex(t.Key, "/")+1]
	err := walk(ctx, t, walkOptions{Recursive: true, Versions: versions}, func(bucket string, o client.ObjectInfo) error {
		if !underTarget(t, o.Key) {
			return nil
		}
		add := func(u *usage) {
			u.Size += o.Size
			switch {
			case !versions:
				u.Objects++
			case o.IsLatest && !o.IsDeleteMarker:
				u.Objects++
				u.Versions++
			default:
				u.Versions++
			}
		}
		add(&total)
		rel := strings.TrimPrefix(o.Key, base)
		parent := t.Alias + "/" + bucket + "/" + base
		if t.Bucket == "" {
			rel = bucket + "/" + o.Key
			parent = t.Alias + "/"
		}
		parts := strings.Split(rel, "/")
		for level := 1; level <= depth && level < len(parts); level++ {
			p := parent + strings.Join(parts[:level], "/") + "/"
			u := subs[p]
			if u == nil {
				u = &usage{Prefix: p}
				subs[p] = u
			}
			add(u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	lines := make([]usage, 0, len(subs)+1)
	for _, u := range subs {
		lines = append(lines, *u)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].Prefix < lines[j].Prefix })
	return append(lines, total), nil
}

// underTarget reports whether key is in what t names: everything under a
// bucket or a prefix ending in '/', else the object of that name and
// what is below it as a directory.
func underTarget(t Target, key string) bool {
	if t.Key == "" || t.IsPrefix() {
		return true
	}
	return key == t.Key || strings.HasPrefix(key, t.Key+"/")
}
