package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/loadgen"
)

type benchFlags struct {
	endpoint, accessKey, secretKey, region, bucket string
	workload, size, checksum                       string
	concurrency, prefixes, objects                 int
	duration                                       time.Duration
	ops                                            int64
	secure, json, reuse                            bool
}

func benchCommand() *cobra.Command {
	var f benchFlags
	workloads := make([]string, 0, len(loadgen.Workloads))
	for name := range loadgen.Workloads {
		workloads = append(workloads, name)
	}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load-test an S3 endpoint (kura or any other)",
		Long: `Run a workload against an S3 endpoint through the Go SDK and report
operations/s, MiB/s and latency percentiles. Workloads: ` + strings.Join(workloads, ", ") + `
("mixed" is 45% get, 15% put, 30% stat, 10% delete).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBench(cmd, f) },
	}
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.endpoint, "endpoint", envOr("KURA_ENDPOINT", "127.0.0.1:9000"), "S3 endpoint, host:port or URL (KURA_ENDPOINT)")
	fl.StringVar(&f.accessKey, "access-key", envOr("KURA_ACCESS_KEY", ""), "access key (KURA_ACCESS_KEY)")
	fl.StringVar(&f.secretKey, "secret-key", envOr("KURA_SECRET_KEY", ""), "secret key (KURA_SECRET_KEY)")
	fl.StringVar(&f.region, "region", envOr("KURA_REGION", "us-east-1"), "region to sign for")
	fl.StringVar(&f.bucket, "bucket", "kura-bench", "bucket to use (created when missing)")
	fl.StringVar(&f.workload, "workload", "put", "put, get, stat, list, delete, multipart or mixed")
	fl.StringVar(&f.size, "size", "4KiB", "object size")
	fl.StringVar(&f.checksum, "checksum", "", `checksum writes send: an S3 algorithm (CRC32, CRC32C, CRC64NVME, SHA1, SHA256, MD5, SHA512, XXHASH64, XXHASH3, XXHASH128), or "none" (the server then computes S3's default); "" is the SDK's default (CRC32C)`)
	fl.IntVar(&f.concurrency, "concurrency", 16, "concurrent clients")
	fl.DurationVar(&f.duration, "duration", 10*time.Second, "how long to run (unless --ops)")
	fl.Int64Var(&f.ops, "ops", 0, "stop after this many operations")
	fl.IntVar(&f.prefixes, "prefixes", 1, "spread keys over this many prefixes")
	fl.IntVar(&f.objects, "objects", 1000, "objects that get, stat and list read (written first)")
	fl.BoolVar(&f.reuse, "reuse", false, "the objects are already there (an earlier run with the same --bucket, --objects, --prefixes and --size): do not write them again")
	fl.BoolVar(&f.secure, "secure", false, "use HTTPS")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON")
	cmd.AddCommand(benchNotifyCommand(&f))
	return cmd
}

func runBench(cmd *cobra.Command, f benchFlags) error {
	size, err := humanize.ParseBytes(f.size)
	if err != nil {
		return fmt.Errorf("--size: %w", err)
	}
	c, err := client.New(f.endpoint, &client.Options{AccessKey: f.accessKey, SecretKey: f.secretKey, Region: f.region, Secure: f.secure})
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if ok, err := c.BucketExists(ctx, f.bucket); err != nil {
		return err
	} else if !ok {
		if err := c.MakeBucket(ctx, f.bucket, client.MakeBucketOptions{}); err != nil {
			return err
		}
	}
	cfg := loadgen.Config{
		Client: c, Bucket: f.bucket, Workload: f.workload, Size: int64(size), Concurrency: f.concurrency,
		Duration: f.duration, Ops: f.ops, Prefixes: f.prefixes, Objects: f.objects, Prepared: f.reuse,
	}
	switch {
	case strings.EqualFold(f.checksum, "none"):
		cfg.NoChecksum = true
	case f.checksum != "":
		if cfg.Checksum, err = checksum.ParseAlgorithm(f.checksum); err != nil {
			return fmt.Errorf("--checksum: %w", err)
		}
	}
	if !f.json {
		total := f.ops
		if total <= 0 {
			total = -1 // a spinner: the run ends by time
		}
		bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription(f.workload),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("ops"), progressbar.OptionClearOnFinish())
		cfg.Progress = func(int64) { _ = bar.Add(1) }
		defer bar.Finish()
	}
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(out, "\n%s, %s objects, %d clients, %s\n", rep.Workload, humanize.IBytes(uint64(rep.Size)), rep.Concurrency, rep.Elapsed.Round(time.Millisecond))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "OP\tOPS\tERRORS\tOPS/S\tMIB/S\tP50\tP90\tP99\tMAX\t")
	for _, s := range rep.Ops {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.1f\t%s\t%s\t%s\t%s\t\n", s.Op, s.Count, s.Errors, s.OpsPerSec, s.MiBPerSec,
			s.P50.Round(time.Microsecond), s.P90.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Max.Round(time.Microsecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.FirstError != "" {
		fmt.Fprintln(out, "first error:", rep.FirstError)
	}
	return nil
}
