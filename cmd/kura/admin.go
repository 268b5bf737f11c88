package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/internal/object"
)

// adminFlags say which server to manage, with what keys.
type adminFlags struct {
	endpoint, accessKey, secretKey, region string
	// sessionToken goes with temporary credentials (an LDAP user managing
	// its own service accounts with its STS session).
	sessionToken string
	secure, json bool
}

func (f *adminFlags) client() (*admin.Client, error) {
	if f.endpoint == "" || f.accessKey == "" || f.secretKey == "" {
		return nil, fmt.Errorf("set --endpoint, --access-key and --secret-key (or KURA_ENDPOINT, KURA_ACCESS_KEY, KURA_SECRET_KEY)")
	}
	var opts []admin.Option
	if f.sessionToken != "" {
		opts = append(opts, admin.WithSessionToken(f.sessionToken))
	}
	c, err := admin.New(f.endpoint, f.accessKey, f.secretKey, f.secure, opts...)
	if err != nil {
		return nil, err
	}
	return c.WithRegion(f.region), nil
}

// emit prints v as JSON with --json, else as the table rows gives.
func (f *adminFlags) emit(w io.Writer, v any, header string, rows func(tw io.Writer)) error {
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	return tw.Flush()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func adminCommand() *cobra.Command {
	f := &adminFlags{}
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage users, groups, policies and service accounts of a running kura",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.endpoint, "endpoint", envOr("KURA_ENDPOINT", ""), "server, as host:port or URL (KURA_ENDPOINT)")
	// "notify add webhook" has an --endpoint of its own (the webhook's):
	// --server names the server there, and everywhere.
	pf.StringVar(&f.endpoint, "server", envOr("KURA_ENDPOINT", ""), "server, as host:port or URL (KURA_ENDPOINT); the same as --endpoint, which \"notify add webhook\" takes for the webhook")
	pf.StringVar(&f.accessKey, "access-key", envOr("KURA_ACCESS_KEY", ""), "root access key (KURA_ACCESS_KEY)")
	pf.StringVar(&f.secretKey, "secret-key", envOr("KURA_SECRET_KEY", ""), "root secret key (KURA_SECRET_KEY)")
	pf.StringVar(&f.sessionToken, "session-token", envOr("KURA_SESSION_TOKEN", ""), "session token of temporary credentials given as --access-key and --secret-key (KURA_SESSION_TOKEN)")
	pf.StringVar(&f.region, "region", envOr("KURA_REGION", "us-east-1"), "the server's region")
	pf.BoolVar(&f.secure, "secure", false, "use HTTPS")
	pf.BoolVar(&f.json, "json", false, "print JSON instead of tables")
	cmd.AddCommand(adminUserCommand(f), adminPolicyCommand(f), adminGroupCommand(f), adminSvcacctCommand(f), adminInfoCommand(f), adminKMSCommand(f), adminScrubCommand(f), adminProfileCommand(f), adminNotifyCommand(f), adminLifecycleCommand(f), adminTierCommand(f), adminReplicateCommand(f), adminMetricsCommand(f), adminUsageCommand(f), adminIDPCommand(f))
	return cmd
}

// run builds a subcommand that calls the admin API.
func run(f *adminFlags, use, short string, args cobra.PositionalArgs, fn func(cmd *cobra.Command, c *admin.Client, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: args,
		RunE: func(cmd *cobra.Command, a []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			return fn(cmd, c, a)
		},
	}
}

func done(cmd *cobra.Command, format string, args ...any) error {
	fmt.Fprintf(cmd.OutOrStdout(), format+"\n", args...)
	return nil
}

func adminUserCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users"}
	var email string
	add := run(f, "add ACCESS SECRET", "Add a user", cobra.ExactArgs(2), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		if err := c.AddUserWithEmail(cmd.Context(), a[0], a[1], email); err != nil {
			return err
		}
		return done(cmd, "Added user %s.", a[0])
	})
	add.Flags().StringVar(&email, "email", "", "email address naming the user in ACL grants")
	cmd.AddCommand(
		add,
		run(f, "set-email ACCESS EMAIL", "Set (or, with \"\", clear) the email address naming a user in ACL grants", cobra.ExactArgs(2), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.SetUserEmail(cmd.Context(), a[0], a[1]); err != nil {
				return err
			}
			return done(cmd, "Set the email address of user %s.", a[0])
		}),
		run(f, "list", "List users and service accounts", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			users, err := c.ListUsers(cmd.Context())
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), users, "ACCESS KEY\tSTATUS\tPOLICIES\tGROUPS\tPARENT\tEMAIL\tCANONICAL ID", func(tw io.Writer) {
				for _, u := range users {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.AccessKey, u.Status, strings.Join(u.Policies, ","), strings.Join(u.Groups, ","), u.Parent, u.Email, u.CanonicalID)
				}
			})
		}),
		run(f, "remove ACCESS", "Remove a user and its service accounts", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.RemoveUser(cmd.Context(), a[0]); err != nil {
				return err
			}
			return done(cmd, "Removed user %s.", a[0])
		}),
		run(f, "disable ACCESS", "Disable a user at once", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.SetUserStatus(cmd.Context(), a[0], "disabled"); err != nil {
				return err
			}
			return done(cmd, "Disabled user %s.", a[0])
		}),
		run(f, "enable ACCESS", "Enable a user", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.SetUserStatus(cmd.Context(), a[0], "enabled"); err != nil {
				return err
			}
			return done(cmd, "Enabled user %s.", a[0])
		}),
	)
	return cmd
}

func adminPolicyCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Manage policies"}
	var user, group, ldapUser, ldapGroup string
	attach := run(f, "attach NAME", "Attach a policy to a user, a group, or an LDAP user or group DN", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		var err error
		if ldapUser != "" || ldapGroup != "" {
			err = c.AttachLDAPPolicy(cmd.Context(), a[0], ldapUser, ldapGroup)
		} else {
			err = c.AttachPolicy(cmd.Context(), a[0], user, group)
		}
		if err != nil {
			return err
		}
		return done(cmd, "Attached policy %s.", a[0])
	})
	detach := run(f, "detach NAME", "Detach a policy from a user, a group, or an LDAP user or group DN", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		var err error
		if ldapUser != "" || ldapGroup != "" {
			err = c.DetachLDAPPolicy(cmd.Context(), a[0], ldapUser, ldapGroup)
		} else {
			err = c.DetachPolicy(cmd.Context(), a[0], user, group)
		}
		if err != nil {
			return err
		}
		return done(cmd, "Detached policy %s.", a[0])
	})
	for _, sub := range []*cobra.Command{attach, detach} {
		sub.Flags().StringVar(&user, "user", "", "access key of the user")
		sub.Flags().StringVar(&group, "group", "", "name of the group")
		sub.Flags().StringVar(&ldapUser, "ldap-user", "", "DN of an LDAP user")
		sub.Flags().StringVar(&ldapGroup, "ldap-group", "", "DN of an LDAP group")
		sub.MarkFlagsMutuallyExclusive("user", "group", "ldap-user", "ldap-group")
		sub.MarkFlagsOneRequired("user", "group", "ldap-user", "ldap-group")
	}
	entities := run(f, "entities", "List the LDAP user and group DNs with policies attached", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
		ms, err := c.ListLDAPPolicies(cmd.Context())
		if err != nil {
			return err
		}
		return f.emit(cmd.OutOrStdout(), ms, "KIND\tDN\tPOLICIES", func(tw io.Writer) {
			for _, m := range ms {
				fmt.Fprintf(tw, "ldap-%s\t%s\t%s\n", m.Kind, m.DN, strings.Join(m.Policies, ","))
			}
		})
	})
	cmd.AddCommand(
		run(f, "create NAME FILE.json", "Create or replace a policy from a JSON file", cobra.ExactArgs(2), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			doc, err := os.ReadFile(a[1])
			if err != nil {
				return err
			}
			if err := c.PutPolicy(cmd.Context(), a[0], doc); err != nil {
				return err
			}
			return done(cmd, "Created policy %s.", a[0])
		}),
		run(f, "list", "List policies", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			names, err := c.ListPolicies(cmd.Context())
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), names, "POLICY", func(tw io.Writer) {
				for _, n := range names {
					fmt.Fprintln(tw, n)
				}
			})
		}),
		run(f, "show NAME", "Print a policy's JSON document", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			doc, err := c.Policy(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			var out bytes.Buffer
			if json.Indent(&out, doc, "", "  ") != nil {
				out.Reset()
				out.Write(doc)
			}
			out.WriteByte('\n')
			_, err = cmd.OutOrStdout().Write(out.Bytes())
			return err
		}),
		run(f, "remove NAME", "Remove a policy", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.DeletePolicy(cmd.Context(), a[0]); err != nil {
				return err
			}
			return done(cmd, "Removed policy %s.", a[0])
		}),
		attach, detach, entities,
	)
	return cmd
}

func adminGroupCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "group", Short: "Manage groups"}
	cmd.AddCommand(
		run(f, "add GROUP MEMBER...", "Add users to a group, creating it", cobra.MinimumNArgs(2), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.AddGroupMembers(cmd.Context(), a[0], a[1:]...); err != nil {
				return err
			}
			return done(cmd, "Added %s to group %s.", strings.Join(a[1:], ", "), a[0])
		}),
		run(f, "remove GROUP MEMBER...", "Take users out of a group", cobra.MinimumNArgs(2), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.RemoveGroupMembers(cmd.Context(), a[0], a[1:]...); err != nil {
				return err
			}
			return done(cmd, "Removed %s from group %s.", strings.Join(a[1:], ", "), a[0])
		}),
		run(f, "delete GROUP", "Delete a group; its members leave it", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.RemoveGroup(cmd.Context(), a[0]); err != nil {
				return err
			}
			return done(cmd, "Deleted group %s.", a[0])
		}),
		run(f, "list", "List groups", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			groups, err := c.ListGroups(cmd.Context())
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), groups, "GROUP\tSTATUS\tMEMBERS\tPOLICIES", func(tw io.Writer) {
				for _, g := range groups {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Name, g.Status, strings.Join(g.Members, ","), strings.Join(g.Policies, ","))
				}
			})
		}),
	)
	return cmd
}

func adminSvcacctCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "svcacct", Short: "Manage service accounts"}
	var policyFile string
	var ldap admin.LDAPServiceAccount
	add := run(f, "add [USER]", "Create access keys acting for a user, or with --ldap-user for an LDAP user", cobra.MaximumNArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		if (len(a) == 1) == (ldap.LDAPUser != "") {
			return fmt.Errorf("name a user or give --ldap-user, not both")
		}
		var doc []byte
		if policyFile != "" {
			var err error
			if doc, err = os.ReadFile(policyFile); err != nil {
				return err
			}
		}
		var creds admin.Credentials
		var err error
		if len(a) == 1 {
			creds, err = c.AddServiceAccount(cmd.Context(), a[0], doc)
		} else {
			ldap.Policy = doc
			creds, err = c.AddLDAPServiceAccount(cmd.Context(), ldap)
		}
		if err != nil {
			return err
		}
		return f.emit(cmd.OutOrStdout(), creds, "ACCESS KEY\tSECRET KEY", func(tw io.Writer) {
			fmt.Fprintf(tw, "%s\t%s\n", creds.AccessKey, creds.SecretKey)
		})
	})
	add.Flags().StringVar(&policyFile, "policy", "", "JSON policy that narrows the account")
	add.Flags().StringVar(&ldap.LDAPUser, "ldap-user", "", "DN of the LDAP user the account acts for")
	add.Flags().StringVar(&ldap.LDAPUsername, "ldap-username", "", "the LDAP user's login name, needed when the provider's group filter uses it (%s)")
	add.Flags().StringVar(&ldap.Provider, "ldap-provider", "", "the LDAP provider (default: the first enabled one, by name, that has the user)")
	var of admin.ServiceAccountsOf
	list := run(f, "list", "List service accounts: a user's, an LDAP user's, or all (your own unless root)", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
		accounts, err := c.ListServiceAccounts(cmd.Context(), of)
		if err != nil {
			return err
		}
		return f.emit(cmd.OutOrStdout(), accounts, "ACCESS KEY\tSTATUS\tPARENT\tLDAP PROVIDER\tPOLICY", func(tw io.Writer) {
			for _, u := range accounts {
				narrowed := "parent's"
				if len(u.SessionPolicy) > 0 {
					narrowed = "narrowed"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.AccessKey, u.Status, u.Parent, u.LDAPProvider, narrowed)
			}
		})
	})
	list.Flags().StringVar(&of.User, "user", "", "access key of the user whose accounts to list")
	list.Flags().StringVar(&of.LDAPUser, "ldap-user", "", "DN of the LDAP user whose accounts to list")
	list.Flags().StringVar(&of.LDAPProvider, "ldap-provider", "", "with --ldap-user: only this provider's")
	list.MarkFlagsMutuallyExclusive("user", "ldap-user")
	remove := run(f, "remove ACCESS", "Remove a service account", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		if err := c.RemoveServiceAccount(cmd.Context(), a[0]); err != nil {
			return err
		}
		return done(cmd, "Removed service account %s.", a[0])
	})
	cmd.AddCommand(add, list, remove)
	return cmd
}

func adminInfoCommand(f *adminFlags) *cobra.Command {
	return run(f, "info", "Show server information", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
		info, err := c.ServerInfo(cmd.Context())
		if err != nil {
			return err
		}
		return f.emit(cmd.OutOrStdout(), info, "VERSION\tREGION\tBUCKETS", func(tw io.Writer) {
			fmt.Fprintf(tw, "%s\t%s\t%d\n", info.Version, info.Region, info.Buckets)
		})
	})
}

func adminKMSCommand(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "kms", Short: "Manage the keys of the built-in KMS"}
	key := &cobra.Command{Use: "key", Short: "Manage KMS keys"}
	key.AddCommand(
		run(f, "create NAME", "Create a named key for SSE-KMS", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
			if err := c.CreateKMSKey(cmd.Context(), a[0]); err != nil {
				return err
			}
			return done(cmd, "Created KMS key %s.", a[0])
		}),
		run(f, "list", "List KMS keys", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
			keys, err := c.ListKMSKeys(cmd.Context())
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), keys, "KEY\tDEFAULT", func(tw io.Writer) {
				for _, k := range keys.Keys {
					fmt.Fprintf(tw, "%s\t%v\n", k, k == keys.Default)
				}
			})
		}),
	)
	cmd.AddCommand(key)
	return cmd
}

func adminScrubCommand(f *adminFlags) *cobra.Command {
	return run(f, "scrub", "Verify every stored object on a running server and list the damaged ones", cobra.NoArgs, func(cmd *cobra.Command, c *admin.Client, _ []string) error {
		rep, err := c.Scrub(cmd.Context())
		if err != nil {
			return err
		}
		if f.json {
			if err := f.emit(cmd.OutOrStdout(), rep, "", nil); err != nil {
				return err
			}
		} else {
			for _, d := range rep.Damaged {
				fmt.Fprintln(cmd.OutOrStdout(), "DAMAGED", d)
			}
			printScrubStats(cmd.OutOrStdout(), object.ScrubStats{Records: rep.Records, Inline: rep.Inline, Blobs: rep.Blobs, Bytes: rep.Bytes, Damaged: int64(len(rep.Damaged)), Orphans: rep.Orphans})
		}
		if len(rep.Damaged) > 0 {
			return fmt.Errorf("%w: %d", errDamaged, len(rep.Damaged))
		}
		return nil
	})
}

func adminProfileCommand(f *adminFlags) *cobra.Command {
	var seconds int
	var out string
	cmd := run(f, "profile NAME", "Take a Go runtime profile of a running server (profile = CPU, trace, heap, allocs, goroutine, mutex, block) for go tool pprof", cobra.ExactArgs(1), func(cmd *cobra.Command, c *admin.Client, a []string) error {
		file, err := os.Create(out)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), time.Duration(seconds)*time.Second+time.Minute)
		defer cancel()
		if err := c.Profile(ctx, a[0], seconds, file); err != nil {
			file.Close()
			os.Remove(out)
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
		return done(cmd, "Wrote %s; read it with: go tool pprof %s", out, out)
	})
	cmd.Flags().IntVar(&seconds, "seconds", 30, "how long a CPU profile or trace runs (0: a heap, allocs, goroutine, mutex or block profile taken at once)")
	cmd.Flags().StringVarP(&out, "out", "o", "kura.pprof", "file to write")
	return cmd
}
