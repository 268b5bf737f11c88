package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/internal/httpapi"
)

// Bounds on what a client can make the server hold.
const (
	// maxHeaderBytes bounds a request's line and headers (net/http
	// answers 431 beyond it). S3 itself allows 8 KiB of request headers;
	// eight times that leaves room for long presigned URLs and session
	// tokens, and bounds what one connection can make the server buffer
	// before any handler runs.
	maxHeaderBytes = 64 << 10
	// requestMemory is what one request in flight is assumed to hold at
	// most in the usual case (copy and write buffers, a verified chunk of
	// aws-chunked data); the default bound on requests keeps their sum
	// within the machine's memory.
	requestMemory = 8 << 20
)

type limitFlags struct {
	readHeaderTimeout time.Duration
	idleTimeout       time.Duration
	maxRequests       int
	maxRequestWait    time.Duration
	minBodyRate       int64
	bodyRateWindow    time.Duration
}

func addLimitFlags(cmd *cobra.Command, f *limitFlags) {
	fl := cmd.Flags()
	fl.DurationVar(&f.readHeaderTimeout, "read-header-timeout", 10*time.Second, "time a client has to send a request's headers")
	fl.DurationVar(&f.idleTimeout, "idle-timeout", 2*time.Minute, "time an idle keep-alive connection is kept open")
	fl.IntVar(&f.maxRequests, "max-requests", defaultMaxRequests(), "requests served at once, by default scaled to CPUs and memory; 0 for no bound")
	fl.DurationVar(&f.maxRequestWait, "max-requests-wait", httpapi.DefaultMaxRequestWait, "time a request over --max-requests waits for a slot before 503 SlowDown")
	fl.Int64Var(&f.minBodyRate, "min-body-rate", 1024, "slowest rate, in bytes per second, at which a request body may arrive; 0 disables")
	fl.DurationVar(&f.bodyRateWindow, "body-rate-window", 30*time.Second, "window over which --min-body-rate is averaged")
}

// defaultMaxRequests allows 256 requests in flight per CPU, but no more
// than memory (the machine's, or the cgroup's limit when lower) holds at
// requestMemory each, and at least 64.
func defaultMaxRequests() int {
	n := 256 * runtime.NumCPU()
	if mem := memoryLimit(); mem > 0 {
		n = min(n, int(mem/requestMemory))
	}
	return max(n, 64)
}

// memoryLimit returns the memory available to the process in bytes, or 0
// when unknown (systems without /proc).
func memoryLimit() int64 {
	var total int64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				if err == nil {
					total = kb << 10
				}
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if limit, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && limit > 0 && (total == 0 || limit < total) {
			total = limit
		}
	}
	return total
}
