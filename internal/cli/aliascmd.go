package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

func init() { register(aliasCommand) }

func aliasCommand(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alias",
		Short: "Manage server aliases (the ALIAS of ALIAS/BUCKET/KEY)",
		Long: `An alias names a server and the keys to use with it. Aliases are kept in
aliases.json (mode 0600) in $KURA_CONFIG_DIR, or kura/ in the user's
configuration directory. KURA_ALIAS_<NAME>=https://ACCESS:SECRET@host:port
(or mc's MC_HOST_<NAME>) defines an alias for one run and wins over the file.`,
	}
	cmd.AddCommand(aliasSetCommand(e), aliasListCommand(e), aliasRemoveCommand(e))
	return cmd
}

func aliasSetCommand(e *Env) *cobra.Command {
	var api, region string
	cmd := &cobra.Command{
		Use:   "set NAME URL [ACCESS SECRET]",
		Short: "Add or replace an alias",
		Example: `  kura alias set local http://127.0.0.1:9000 ACCESS SECRET
  kura alias set public https://play.example.com   (anonymous)`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 && len(args) != 4 {
				return errors.New("alias set takes NAME URL, or NAME URL ACCESS SECRET")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&api, "api", "s3v4", "signature version (only s3v4)")
	cmd.Flags().StringVar(&region, "region", "", "region to sign requests for (default us-east-1)")
	cmd.RunE = e.Run(func(_ context.Context, args []string) error {
		name := args[0]
		if err := checkAliasName(name); err != nil {
			return err
		}
		a := Alias{URL: strings.TrimSuffix(args[1], "/"), API: strings.ToLower(api), Region: region}
		if len(args) == 4 {
			a.AccessKey, a.SecretKey = args[2], args[3]
		}
		if err := checkAlias(a); err != nil {
			return err
		}
		f, err := e.loadAliases()
		if err != nil {
			return err
		}
		f.Version = aliasFileVersion
		f.Aliases[name] = a
		if err := e.saveAliases(f); err != nil {
			return err
		}
		e.Printer().Info(aliasChanged{Alias: name, URL: a.URL, Action: "added"})
		return nil
	})
	return cmd
}

// aliasChanged confirms alias set and alias remove.
type aliasChanged struct {
	Alias  string `json:"alias"`
	URL    string `json:"url,omitempty"`
	Action string `json:"action"`
}

func (a aliasChanged) Text() string {
	return fmt.Sprintf("Alias `%s` %s.", a.Alias, a.Action)
}

// aliasEntry is one alias of alias list; the secret key and session token
// are never shown.
type aliasEntry struct {
	Alias     string `json:"alias"`
	URL       string `json:"url"`
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
	API       string `json:"api"`
	Region    string `json:"region,omitempty"`
	Source    string `json:"source"`
}

// maskedSecret replaces every secret in alias list.
const maskedSecret = "********"

func (a aliasEntry) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  URL       : %s\n  AccessKey : %s\n  SecretKey : %s\n  API       : %s\n", a.Alias, a.URL, a.AccessKey, a.SecretKey, a.API)
	if a.Region != "" {
		fmt.Fprintf(&b, "  Region    : %s\n", a.Region)
	}
	fmt.Fprintf(&b, "  Source    : %s", a.Source)
	return b.String()
}

func aliasListCommand(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list [NAME]",
		Aliases: []string{"ls"},
		Short:   "List aliases, secrets masked",
		Args:    cobra.MaximumNArgs(1),
	}
	cmd.RunE = e.Run(func(_ context.Context, args []string) error {
		names, err := e.aliasNames()
		if err != nil {
			return err
		}
		if len(args) == 1 {
			names = []string{args[0]}
		}
		for _, name := range names {
			a, src, err := e.lookupAlias(name)
			if err != nil {
				return err
			}
			if src == "" {
				return fmt.Errorf("alias %q is not defined", name)
			}
			secret := ""
			if a.SecretKey != "" {
				secret = maskedSecret
			}
			e.Printer().Print(aliasEntry{Alias: name, URL: a.URL, AccessKey: a.AccessKey, SecretKey: secret, API: a.API, Region: a.Region, Source: string(src)})
		}
		return nil
	})
	return cmd
}

// aliasNames lists every alias the file and the environment define,
// sorted.
func (e *Env) aliasNames() ([]string, error) {
	f, err := e.loadAliases()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for name := range f.Aliases {
		seen[name] = true
	}
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		for _, prefix := range []string{envAliasPrefix, envMCHostPrefix} {
			if name, ok := strings.CutPrefix(key, prefix); ok && checkAliasName(name) == nil {
				seen[name] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

func aliasRemoveCommand(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove an alias from aliases.json",
		Args:    cobra.ExactArgs(1),
	}
	cmd.RunE = e.Run(func(_ context.Context, args []string) error {
		name := args[0]
		f, err := e.loadAliases()
		if err != nil {
			return err
		}
		if _, ok := f.Aliases[name]; !ok {
			if _, src, _ := e.lookupAlias(name); src != "" {
				return fmt.Errorf("alias %q comes from the environment (%s), not from the file", name, src)
			}
			return fmt.Errorf("alias %q is not defined", name)
		}
		delete(f.Aliases, name)
		if err := e.saveAliases(f); err != nil {
			return err
		}
		e.Printer().Info(aliasChanged{Alias: name, Action: "removed"})
		return nil
	})
	return cmd
}
