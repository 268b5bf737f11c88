package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/internal/audit"
	"github.com/kurastore/kura/internal/certs"
	"github.com/kurastore/kura/internal/cli"
	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/requestlog"
)

// opLogFlags configure the operator's logs: the server's own log, the
// access log and the audit webhooks (docs/logging.md).
type opLogFlags struct {
	logFormat           string
	accessLog           string
	accessLogMaxSize    string
	accessLogMaxFiles   int
	auditWebhooks       []string
	auditWebhookToken   string
	auditShutdownWait   time.Duration
	auditQueueSize      int
	auditBatchSize      int
	auditBatchWait      time.Duration
	accessLogQueueSize  int
	accessLogFlushEvery time.Duration
}

func addOpLogFlags(cmd *cobra.Command, f *opLogFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.logFormat, "log-format", "text", "format of the server's log on standard error: text (key=value) or json (one object a line)")
	fl.StringVar(&f.accessLog, "access-log", "", "write one JSON line per answered request to this file (- for standard output); reopened on SIGHUP")
	fl.StringVar(&f.accessLogMaxSize, "access-log-max-size", "0", "rotate the access log when it would pass this size (e.g. 100MiB) to FILE.1, FILE.2, …; 0 never rotates (use logrotate and SIGHUP)")
	fl.IntVar(&f.accessLogMaxFiles, "access-log-max-files", requestlog.DefaultMaxFiles, "rotated access logs kept (FILE.1 … FILE.N)")
	fl.IntVar(&f.accessLogQueueSize, "access-log-queue", requestlog.DefaultQueueSize, "access log lines waiting for the disk at most; past it lines are dropped, counted and logged")
	fl.DurationVar(&f.accessLogFlushEvery, "access-log-flush", requestlog.DefaultFlushInterval, "how often buffered access log lines are written out")
	fl.StringArrayVar(&f.auditWebhooks, "audit-webhook", nil, "POST every request's record to this URL, in batches (repeat for several targets)")
	fl.StringVar(&f.auditWebhookToken, "audit-webhook-token", "", "send Authorization: Bearer TOKEN to the audit webhooks (or KURA_AUDIT_WEBHOOK_TOKEN)")
	fl.IntVar(&f.auditQueueSize, "audit-queue", audit.DefaultQueueSize, "records waiting for an audit webhook at most; past it records are dropped, counted and logged")
	fl.IntVar(&f.auditBatchSize, "audit-batch-size", audit.DefaultBatchSize, "most records in one audit webhook POST")
	fl.DurationVar(&f.auditBatchWait, "audit-batch-wait", audit.DefaultBatchWait, "how long a record waits for others before its batch is sent")
	fl.DurationVar(&f.auditShutdownWait, "audit-shutdown-wait", 10*time.Second, "at shutdown, how long queued audit records may take to reach their webhooks")
}

// newLogHandler is the handler of the server's own log.
func newLogHandler(w io.Writer, format string, level slog.Leveler) (slog.Handler, error) {
	o := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.NewTextHandler(w, o), nil
	case "json":
		return slog.NewJSONHandler(w, o), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", format)
}

// opLogs are the open access log and audit webhooks.
type opLogs struct {
	access    *requestlog.Log // nil without --access-log
	webhooks  []*audit.Webhook
	wait      time.Duration
	log       *slog.Logger
	closeOnce sync.Once
}

// openOpLogs opens what the flags ask for.
func openOpLogs(f opLogFlags, log *slog.Logger) (*opLogs, error) {
	o := &opLogs{wait: f.auditShutdownWait, log: log}
	maxSize, err := cli.ParseSize(f.accessLogMaxSize)
	if err != nil {
		return nil, fmt.Errorf("--access-log-max-size: %w", err)
	}
	if f.accessLogMaxFiles < 1 {
		return nil, errors.New("--access-log-max-files: keep at least 1")
	}
	if f.accessLog != "" {
		o.access, err = requestlog.Open(requestlog.Options{
			Path: f.accessLog, MaxSize: maxSize, MaxFiles: f.accessLogMaxFiles,
			QueueSize: f.accessLogQueueSize, FlushInterval: f.accessLogFlushEvery, Logger: log,
		})
		if err != nil {
			return nil, fmt.Errorf("--access-log: %w", err)
		}
	}
	token := f.auditWebhookToken
	if token == "" {
		token = os.Getenv("KURA_AUDIT_WEBHOOK_TOKEN")
	}
	for _, u := range f.auditWebhooks {
		w, err := audit.New(audit.Options{
			URL: u, Token: token, QueueSize: f.auditQueueSize, BatchSize: f.auditBatchSize,
			BatchWait: f.auditBatchWait, Logger: log,
		})
		if err != nil {
			o.close()
			return nil, fmt.Errorf("--audit-webhook: %w", err)
		}
		o.webhooks = append(o.webhooks, w)
	}
	return o, nil
}

// observers are the functions told of every answered request.
func (o *opLogs) observers() []func(*httpapi.RequestRecord) {
	var obs []func(*httpapi.RequestRecord)
	if o.access != nil {
		obs = append(obs, o.access.Observe)
	}
	for _, w := range o.webhooks {
		obs = append(obs, w.Observe)
	}
	return obs
}

// hangupActions are what a SIGHUP does for the operator's logs.
func (o *opLogs) hangupActions() []func() {
	if o.access == nil {
		return nil
	}
	return []func(){func() {
		if err := o.access.Reopen(); err != nil {
			o.log.Error("reopening the access log", "err", err)
			return
		}
		o.log.Info("access log reopened")
	}}
}

// close writes out the access log and gives the webhooks until the
// deadline to send what is queued. It is safe to call twice.
func (o *opLogs) close() {
	o.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), o.wait)
		defer cancel()
		var wg sync.WaitGroup
		for _, w := range o.webhooks {
			wg.Go(func() {
				err := w.Close(ctx)
				s := w.Stats()
				if err != nil || s.Dropped > 0 {
					o.log.Warn("audit webhook stopped", "sent", s.Sent, "dropped", s.Dropped, "rejected_batches", s.RejectedBatches)
				}
			})
		}
		wg.Wait()
		if o.access != nil {
			o.access.Close()
			if d := o.access.Dropped(); d > 0 {
				o.log.Warn("access log closed", "dropped_total", d)
			}
		}
	})
}

// reloadCertificate is the SIGHUP action of a TLS certificate.
func reloadCertificate(r *certs.Reloader, log *slog.Logger) func() {
	return func() {
		if err := r.Reload(); err != nil {
			log.Error("keeping the current certificate", "err", err)
			return
		}
		log.Info("TLS certificate reloaded")
	}
}

// onHangup does every action on each SIGHUP, in turn, until ctx ends:
// one consumer of the signal for every part that reloads on it. Without
// actions it does not take the signal.
func onHangup(ctx context.Context, actions ...func()) {
	if len(actions) == 0 {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				for _, act := range actions {
					act()
				}
			}
		}
	}()
}
