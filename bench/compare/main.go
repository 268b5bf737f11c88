// Command compare measures kura against MinIO on this machine, in one run:
// it starts both on loopback, each on its own temp dir on the same disk,
// runs the same kura bench workloads against each in turn, and prints the
// kura/MinIO ratio of each. Next to throughput it prints each server's CPU
// time per operation (from /proc), which stays meaningful when the
// machine is shared and throughput is not.
//
//	go run ./bench/compare [-minio PATH] [-duration 10s] [-json FILE]
//
// MinIO is only a baseline: it is installed with
// `go install github.com/minio/minio@latest` into a cache directory when
// -minio is not given. No MinIO code is part of kura.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/loadgen"
)

// workload is one line of the comparison.
type workload struct {
	name, kind  string
	size        int64
	concurrency int
	objects     int
	// listing names a bucket of listObjects empty objects under 1,000
	// prefixes, written once per server and shared by the list workloads.
	listing bool
	// partThreads > 0 makes the upload multipart with that many parts in
	// flight.
	partThreads int
	target      float64 // the kura/MinIO ratio kura aims for
}

const listObjects = 100_000

var workloads = []workload{
	{name: "4 KiB PUT, 16 clients", kind: loadgen.OpPut, size: 4 << 10, concurrency: 16, target: 5},
	{name: "4 KiB GET, 16 clients", kind: loadgen.OpGet, size: 4 << 10, concurrency: 16, objects: 1000, target: 2},
	{name: "stat (HEAD), 16 clients", kind: loadgen.OpStat, size: 4 << 10, concurrency: 16, objects: 1000, target: 2},
	{name: "ListObjectsV2 of 100k objects, 1000/page", kind: loadgen.OpList, concurrency: 4, objects: listObjects, listing: true, target: 10},
	{name: "delimiter listing, 100k objects under 1,000 prefixes", kind: loadgen.OpListPrefixes, concurrency: 4, objects: listObjects, listing: true, target: 10},
	{name: "64 MiB PUT, 4 clients", kind: loadgen.OpPut, size: 64 << 20, concurrency: 4, target: 1.5},
	{name: "64 MiB GET, 4 clients", kind: loadgen.OpGet, size: 64 << 20, concurrency: 4, objects: 8, target: 1.5},
	{name: "mixed 64 KiB, 16 clients", kind: "mixed", size: 64 << 10, concurrency: 16, objects: 1000, target: 2},
	{name: "1 GiB multipart upload, 8 parallel parts", kind: loadgen.OpMultipart, size: 1 << 30, concurrency: 1, partThreads: 8, target: 1.5},
}

type server struct {
	name, endpoint string
	client         *client.Client
	cmd            *exec.Cmd
	listBucket     string // the shared listing bucket, once written
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func start(name string, cmd *exec.Cmd, addr, access, secret string) (*server, error) {
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/minio/health/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				c, err := client.New(addr, &client.Options{AccessKey: access, SecretKey: secret})
				return &server{name: name, endpoint: addr, client: c, cmd: cmd}, err
			}
		}
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("%s did not become ready", name)
}

// minioBinary finds MinIO: the -minio flag, or a go install into a cache.
func minioBinary(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "kura-bench", "bin")
	bin := filepath.Join(dir, "minio")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	install := exec.Command("go", "install", "github.com/minio/minio@latest")
	install.Env = append(os.Environ(), "GOBIN="+dir)
	install.Stdout, install.Stderr = os.Stderr, os.Stderr
	if err := install.Run(); err != nil {
		return "", fmt.Errorf("installing MinIO as the baseline failed (%v); no comparison is made without one measured on this machine", err)
	}
	return bin, nil
}

type row struct {
	Workload string  `json:"workload"`
	Kura     float64 `json:"kuraOpsPerSec"`
	MinIO    float64 `json:"minioOpsPerSec"`
	Ratio    float64 `json:"ratio"`
	Target   float64 `json:"target"`
	// KuraMiBPerSec is kura's data rate, for the rows that move data.
	KuraMiBPerSec float64 `json:"kuraMiBPerSec,omitempty"`
	// Server CPU per operation in microseconds, and MinIO's over kura's.
	KuraCPUMicros  float64 `json:"kuraCPUMicrosPerOp,omitempty"`
	MinIOCPUMicros float64 `json:"minioCPUMicrosPerOp,omitempty"`
	CPURatio       float64 `json:"cpuRatio,omitempty"`
}

// result is one workload's run against one server.
type result struct {
	opsPerSec, mibPerSec float64
	// cpuPerOp is the server process's CPU time (user and system) per
	// operation, from /proc: unlike throughput it barely moves when other
	// processes share the machine. Zero where /proc is not there.
	cpuPerOp time.Duration
}

func run(ctx context.Context, s *server, w workload, d time.Duration) (result, error) {
	cfg := loadgen.Config{
		Client: s.client, Workload: w.kind, Size: w.size, Concurrency: w.concurrency, Duration: d, Objects: w.objects,
		PartThreads: w.partThreads, Prefixes: 1,
	}
	if w.partThreads > 0 {
		cfg.PartSize = 64 << 20
	}
	if w.listing {
		cfg.Prefixes = 1000
		if s.listBucket == "" {
			s.listBucket = fmt.Sprintf("cmp-list-%d", time.Now().UnixNano())
			if err := s.client.MakeBucket(ctx, s.listBucket, client.MakeBucketOptions{}); err != nil {
				return result{}, err
			}
			t0 := time.Now()
			prep := cfg
			prep.Bucket, prep.Workload, prep.Concurrency = s.listBucket, loadgen.OpList, 32
			if err := loadgen.Prepare(ctx, prep); err != nil {
				return result{}, err
			}
			fmt.Fprintf(os.Stderr, "%s: wrote %d objects to list in %v\n", s.name, w.objects, time.Since(t0).Round(time.Second))
		}
		cfg.Bucket, cfg.Prepared = s.listBucket, true
	} else {
		cfg.Bucket = fmt.Sprintf("cmp-%d", time.Now().UnixNano())
		if err := s.client.MakeBucket(ctx, cfg.Bucket, client.MakeBucketOptions{}); err != nil {
			return result{}, err
		}
	}
	switch {
	case w.size >= 1<<30:
		cfg.Ops, cfg.Duration = 3, 0 // three uploads of 1 GiB
	case w.listing:
		// A whole listing of 100k keys can take longer than the
		// duration: count listings, two per client.
		cfg.Ops, cfg.Duration = int64(2*w.concurrency), 0
	}
	cpu0, _ := loadgen.ProcessCPU(s.cmd.Process.Pid)
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return result{}, err
	}
	cpu1, _ := loadgen.ProcessCPU(s.cmd.Process.Pid)
	cpu := cpu1 - cpu0
	if rep.FirstError != "" {
		return result{}, fmt.Errorf("%s on %s: %s", w.name, s.name, rep.FirstError)
	}
	var res result
	var count int64
	for _, op := range rep.Ops {
		res.opsPerSec += op.OpsPerSec
		res.mibPerSec += op.MiBPerSec
		count += op.Count
	}
	if count > 0 && cpu > 0 {
		res.cpuPerOp = cpu / time.Duration(count)
	}
	return res, nil
}

func main() {
	minioPath := flag.String("minio", "", "MinIO binary (default: go install into the user cache)")
	duration := flag.Duration("duration", 8*time.Second, "time per workload per server")
	jsonOut := flag.String("json", "", "also write the results as JSON to this file")
	flag.Parse()
	if err := compare(*minioPath, *duration, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func compare(minioPath string, d time.Duration, jsonOut string) error {
	ctx := context.Background()
	minioBin, err := minioBinary(minioPath)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "kura-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	kuraBin := filepath.Join(work, "kura")
	if out, err := exec.Command("go", "build", "-o", kuraBin, "github.com/kurastore/kura/cmd/kura").CombinedOutput(); err != nil {
		return fmt.Errorf("building kura: %v\n%s", err, out)
	}
	key := make([]byte, 12)
	rand.Read(key)
	access, secret := "BENCH"+hex.EncodeToString(key[:4]), hex.EncodeToString(key)
	env := append(os.Environ(), "KURA_ROOT_USER="+access, "KURA_ROOT_PASSWORD="+secret, "MINIO_ROOT_USER="+access, "MINIO_ROOT_PASSWORD="+secret)

	kAddr, mAddr := freePort(), freePort()
	kcmd := exec.Command(kuraBin, "server", "--address", kAddr, "--log-level", "error", filepath.Join(work, "kura-data"))
	kcmd.Env = env
	kura, err := start("kura", kcmd, kAddr, access, secret)
	if err != nil {
		return err
	}
	defer kura.cmd.Process.Kill()
	mcmd := exec.Command(minioBin, "server", "--address", mAddr, "--console-address", freePort(), "--quiet", filepath.Join(work, "minio-data"))
	mcmd.Env = env
	minio, err := start("MinIO", mcmd, mAddr, access, secret)
	if err != nil {
		return err
	}
	defer minio.cmd.Process.Kill()

	began := time.Now()
	lim, err := measureLimits(work)
	if err != nil {
		return err
	}
	var rows []row
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "WORKLOAD\tKURA OPS/S\tMINIO OPS/S\tKURA/MINIO\tTARGET\tKURA CPU/OP\tMINIO CPU/OP\tCPU MINIO/KURA\t")
	for _, w := range workloads {
		// Alternate which server goes first, so that neither always
		// runs on a warmer or cooler machine.
		order := []*server{kura, minio}
		if len(rows)%2 == 1 {
			order = []*server{minio, kura}
		}
		results := map[string]result{}
		for _, s := range order {
			res, err := run(ctx, s, w, d)
			if err != nil {
				return err
			}
			results[s.name] = res
		}
		k, m := results["kura"], results["MinIO"]
		r := row{Workload: w.name, Kura: k.opsPerSec, MinIO: m.opsPerSec, Target: w.target, KuraMiBPerSec: k.mibPerSec,
			KuraCPUMicros: float64(k.cpuPerOp) / 1e3, MinIOCPUMicros: float64(m.cpuPerOp) / 1e3}
		if r.MinIO > 0 {
			r.Ratio = r.Kura / r.MinIO
		}
		if r.KuraCPUMicros > 0 {
			r.CPURatio = r.MinIOCPUMicros / r.KuraCPUMicros
		}
		rows = append(rows, r)
		mark := "met"
		if r.Ratio < r.Target {
			mark = "MISSED"
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.2f×\t≥%.1f× %s\t%s\t%s\t%.2f×\t\n", r.Workload, r.Kura, r.MinIO, r.Ratio, r.Target, mark,
			k.cpuPerOp.Round(time.Microsecond), m.cpuPerOp.Round(time.Microsecond), r.CPURatio)
		tw.Flush()
	}
	// One 64 MiB GET stream from kura, against the loopback ceiling.
	one := workload{name: "64 MiB GET, 1 client", kind: loadgen.OpGet, size: 64 << 20, concurrency: 1, objects: 4}
	res, err := run(ctx, kura, one, d/2)
	if err != nil {
		return err
	}
	lim.KuraOneStreamGetMiB = res.mibPerSec
	fmt.Println()
	lim.print(os.Stdout, rows)
	fmt.Printf("\ncompare ran in %v\n", time.Since(began).Round(time.Second))
	if jsonOut != "" {
		host, _ := os.Hostname()
		data, err := json.MarshalIndent(map[string]any{"date": time.Now().UTC().Format(time.RFC3339), "host": host, "rows": rows, "limits": lim}, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(jsonOut, data, 0o644)
	}
	return nil
}
