package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestNewLogHandler(t *testing.T) {
	var text bytes.Buffer
	h, err := newLogHandler(&text, "text", slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	slog.New(h).Info("started", "port", 9000)
	slog.New(h).Debug("hidden")
	if got := text.String(); !strings.Contains(got, "level=INFO msg=started port=9000\n") || strings.Contains(got, "hidden") {
		t.Errorf("text log %q", got)
	}

	var js bytes.Buffer
	h, err = newLogHandler(&js, "json", slog.LevelWarn)
	if err != nil {
		t.Fatal(err)
	}
	slog.New(h).Info("hidden")
	slog.New(h).Warn("slow disk", "dir", "/data")
	lines := strings.Split(strings.TrimSuffix(js.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("json log %q", js.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("json log %q: %v", lines[0], err)
	}
	if rec["level"] != "WARN" || rec["msg"] != "slow disk" || rec["dir"] != "/data" || rec["time"] == nil {
		t.Errorf("json record %v", rec)
	}

	for _, bad := range []string{"", "xml", "JSON ", "logfmt"} {
		if _, err := newLogHandler(&js, bad, slog.LevelInfo); err == nil {
			t.Errorf("--log-format %q accepted", bad)
		}
	}
}

func TestOpenOpLogsRefusesBadFlags(t *testing.T) {
	dir := t.TempDir()
	good := opLogFlags{accessLog: filepath.Join(dir, "access.log"), accessLogMaxSize: "100MiB", accessLogMaxFiles: 1}
	o, err := openOpLogs(good, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	o.close()
	o.close() // twice is harmless
	for name, f := range map[string]opLogFlags{
		"size":     {accessLogMaxSize: "lots", accessLogMaxFiles: 1},
		"files":    {accessLogMaxSize: "0", accessLogMaxFiles: 0},
		"path":     {accessLog: filepath.Join(dir, "missing", "access.log"), accessLogMaxSize: "0", accessLogMaxFiles: 1},
		"webhook":  {accessLogMaxSize: "0", accessLogMaxFiles: 1, auditWebhooks: []string{"tcp://127.0.0.1:1"}},
		"webhook2": {accessLogMaxSize: "0", accessLogMaxFiles: 1, auditWebhooks: []string{"http://127.0.0.1:1/", "not a url"}},
	} {
		if o, err := openOpLogs(f, slog.Default()); err == nil {
			o.close()
			t.Errorf("%s: %+v accepted", name, f)
		}
	}
}

// TestOneHangupDoesEveryAction: reopening the access log and reloading
// the certificate share the one SIGHUP.
func TestOneHangupDoesEveryAction(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan string, 2)
	onHangup(ctx, func() { done <- "access log" }, func() { done <- "certificate" })
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{<-done: true, <-done: true}
	if !got["access log"] || !got["certificate"] {
		t.Errorf("one SIGHUP did %v", got)
	}
}
