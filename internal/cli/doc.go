// Package cli holds kura's client commands, the part of kura people use
// every day to move and inspect objects: alias, ls, cat, stat, mb, rb,
// rm, presign, tag, version, du, find (and cp and mirror). Their names,
// paths and flags follow MinIO's mc, so that habits carry over. They are
// built on kura's Go SDK, package client.
//
// # Adding a command
//
// A command lives in its own file and registers itself:
//
//	func init() { register(fooCommand) }
//
//	func fooCommand(e *Env) *cobra.Command {
//		cmd := &cobra.Command{Use: "foo ALIAS/BUCKET", Args: cobra.ExactArgs(1)}
//		cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
//			t, err := e.ResolveBucket(args[0])
//			...
//			e.Printer().Print(someRecord)
//			return nil
//		})
//		return cmd
//	}
//
// Commands returns every registered command with the global persistent
// flags --json, --quiet (-q), --insecure and --config-dir bound to the
// shared Env; cmd/kura adds them to its root.
//
// # The API commands use
//
//   - Env.Run wraps a command's function: it gets a context that Ctrl-C
//     and SIGTERM cancel, and its error is printed by the Printer (as a
//     JSON line with --json). Return ErrPartial after printing failures
//     yourself to exit non-zero without another message.
//   - Env.Resolve(arg) turns ALIAS/BUCKET/KEY or a local path into a
//     Target{Alias, Bucket, Key, Local, Client}. An argument is remote
//     when its first element names an alias (mc's rule), else local.
//     "ALIAS" alone is the server; a key ending in '/' is a prefix
//     (Target.IsPrefix). ResolveRemote, ResolveBucket and ResolveObject
//     also check that the argument is remote / has a bucket / a key.
//   - Env.Client(alias) is the alias's *client.Client, made once.
//   - Env.Printer() writes results: Print for results (never hidden),
//     Info for confirmations (hidden by --quiet), Error for errors on
//     stderr. Results are Records: Text() is the human line; with --json
//     the record is marshalled as one line with "status":"success" first
//     (errors: "status":"error" and an "error" object with message, code,
//     httpStatus, requestId). Printer.Terminal tells whether stdout is a
//     terminal, for progress bars; Printer.Quiet and JSON the flags.
//   - ParseDuration ("7d10h", mc's --older-than), ParseSize ("64MiB",
//     "1GB") and FormatSize.
//   - cmd.ValidArgsFunction = e.completeTarget completes ALIAS/BUCKET/KEY
//     arguments in the shell (aliases, buckets, one level of keys).
//   - walk lists a target's objects (every bucket for ALIAS alone);
//     underTarget tells whether a key is in what a target names.
//
// # Aliases
//
// aliases.json lives in --config-dir, $KURA_CONFIG_DIR, or kura/ in
// os.UserConfigDir (directory 0700, file 0600, replaced atomically).
// KURA_ALIAS_<NAME>=https://ACCESS:SECRET[:TOKEN]@host:port, then mc's
// MC_HOST_<NAME>, win over the file. TLS trusts the system CAs, which Go
// reads from SSL_CERT_FILE/SSL_CERT_DIR; --insecure skips verification.
package cli
