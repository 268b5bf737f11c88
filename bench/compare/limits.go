package main

import (
	"crypto/md5"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// limits are the machine's own ceilings, measured in the same run, that
// bound what any server can do here.
type limits struct {
	// FsyncWrites is appends of 4 KiB, each made durable with fsync, per
	// second, from one writer: the rate of durable writes without group
	// commit.
	FsyncWrites float64 `json:"fsync4KiBWritesPerSec"`
	// SeqWriteMiB is a 256 MiB sequential write followed by fsync.
	SeqWriteMiB float64 `json:"seqWriteMiBPerSec"`
	// MD5MB is MD5 throughput on one core (S3 ETags need it).
	MD5MB float64 `json:"md5MBPerSecPerCore"`
	// LoopbackMiB is one HTTP stream over loopback between Go's server
	// and client, from memory to a discard.
	LoopbackMiB float64 `json:"loopbackHTTPMiBPerSec"`
	// KuraOneStreamGetMiB is a 64 MiB GET from kura over one stream.
	KuraOneStreamGetMiB float64 `json:"kuraOneStreamGetMiBPerSec"`
}

const mib = 1 << 20

func measureLimits(dir string) (limits, error) {
	var l limits
	var err error
	if l.FsyncWrites, err = fsyncRate(dir); err != nil {
		return l, err
	}
	if l.SeqWriteMiB, err = seqWrite(dir); err != nil {
		return l, err
	}
	l.MD5MB = md5Rate()
	l.LoopbackMiB, err = loopback()
	return l, err
}

func fsyncRate(dir string) (float64, error) {
	f, err := os.Create(filepath.Join(dir, "fsync-probe"))
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4<<10)
	n := 0
	start := time.Now()
	for time.Since(start) < 2*time.Second {
		if _, err := f.Write(buf); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func seqWrite(dir string) (float64, error) {
	f, err := os.Create(filepath.Join(dir, "seq-probe"))
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, mib)
	const total = 256
	start := time.Now()
	for range total {
		if _, err := f.Write(buf); err != nil {
			return 0, err
		}
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return total / time.Since(start).Seconds(), nil
}

func md5Rate() float64 {
	buf := make([]byte, 64*mib)
	h := md5.New()
	start := time.Now()
	for range 4 {
		h.Write(buf)
	}
	return 4 * 64 * mib / 1e6 / time.Since(start).Seconds()
}

// loopback serves 1 GiB from memory to one client over 127.0.0.1.
func loopback() (float64, error) {
	const total = 1 << 30
	chunk := make([]byte, mib)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(total))
		for range total / mib {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()
	start := time.Now()
	resp, err := http.Get("http://" + ln.Addr().String())
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != total {
		return 0, fmt.Errorf("loopback probe read %d bytes: %v", n, err)
	}
	return total / mib / time.Since(start).Seconds(), nil
}

// print says how close kura comes to each ceiling.
func (l limits) print(w io.Writer, rows []row) {
	byName := map[string]row{}
	for _, r := range rows {
		byName[r.Workload] = r
	}
	fmt.Fprintln(w, "Physical limits of this machine, measured in this run:")
	fmt.Fprintf(w, "  fsync'd 4 KiB writes, one writer:   %8.0f /s   kura 4 KiB PUT: %.0f /s (%.1f× — group commit makes one fsync serve many writes)\n",
		l.FsyncWrites, byName["4 KiB PUT, 16 clients"].Kura, byName["4 KiB PUT, 16 clients"].Kura/l.FsyncWrites)
	put := byName["64 MiB PUT, 4 clients"].KuraMiBPerSec
	fmt.Fprintf(w, "  sequential write + fsync:           %8.0f MiB/s   kura 64 MiB PUT: %.0f MiB/s (%.2f×)\n", l.SeqWriteMiB, put, put/l.SeqWriteMiB)
	fmt.Fprintf(w, "  MD5, one core:                      %8.0f MB/s   (every PUT hashes its data once for the ETag)\n", l.MD5MB)
	fmt.Fprintf(w, "  Go HTTP over loopback, one stream:  %8.0f MiB/s   kura 64 MiB GET, one stream: %.0f MiB/s (%.2f×, target ≥0.8×)\n",
		l.LoopbackMiB, l.KuraOneStreamGetMiB, l.KuraOneStreamGetMiB/l.LoopbackMiB)
}
