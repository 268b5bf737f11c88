package audit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/requestlog"
)

// Defaults of Options.
const (
	DefaultBatchSize        = 500
	DefaultBatchWait        = time.Second
	DefaultQueueSize        = 100_000
	DefaultTimeout          = 10 * time.Second
	DefaultMinBackoff       = 100 * time.Millisecond
	DefaultMaxBackoff       = 30 * time.Second
	DefaultDropWarnInterval = 10 * time.Second
)

// Options configure a Webhook. Zero values take the defaults.
type Options struct {
	// URL is the target, http or https.
	URL string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token string
	// BatchSize is the most entries in a batch; BatchWait how long the
	// first entry of a batch waits for others.
	BatchSize int
	BatchWait time.Duration
	// QueueSize is how many entries wait at most; past it they are
	// dropped and counted.
	QueueSize int
	// Timeout bounds one POST.
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between two attempts of a
	// batch, which doubles from the first to the second.
	MinBackoff, MaxBackoff time.Duration
	// DropWarnInterval is how often drops are logged while they go on.
	DropWarnInterval time.Duration
	// Client sends the batches (http.DefaultClient when nil).
	Client *http.Client
	Logger *slog.Logger
}

// Stats are a webhook's figures since it started.
type Stats struct {
	// Sent is how many entries the target accepted.
	Sent uint64
	// Dropped is how many entries were lost: dropped from a full queue,
	// in a batch the target refused, or still unsent at Close's
	// deadline.
	Dropped uint64
	// RejectedBatches is how many batches the target refused for good
	// (their entries are in Dropped).
	RejectedBatches uint64
	// FailedAttempts is how many POSTs failed and were retried.
	FailedAttempts uint64
	// Queued is how many entries wait now.
	Queued int
}

// Webhook sends entries to one target.
type Webhook struct {
	o      Options
	target string // URL without its credentials, for the logs
	queue  chan requestlog.Entry
	stop   chan struct{}
	done   chan struct{}
	// sending carries every POST and backoff wait; Close cancels it at
	// its deadline.
	sending context.Context
	cancel  context.CancelFunc
	once    sync.Once
	log     *slog.Logger

	sent, dropped, rejected, failed atomic.Uint64
	// held counts the entries taken off the queue into a batch that is
	// neither sent nor dropped yet: they still wait.
	held atomic.Int64
}

// New starts a webhook.
func New(o Options) (*Webhook, error) {
	w, err := newWebhook(o)
	if err != nil {
		return nil, err
	}
	go w.run()
	go w.warnDrops()
	return w, nil
}

// newWebhook makes a webhook without starting its sender.
func newWebhook(o Options) (*Webhook, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("audit webhook: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("audit webhook: %q is not an http or https URL", o.URL)
	}
	if o.BatchSize < 0 || o.QueueSize < 0 {
		return nil, errors.New("audit webhook: negative batch or queue size")
	}
	o.BatchSize = cmp.Or(o.BatchSize, DefaultBatchSize)
	o.BatchWait = cmp.Or(o.BatchWait, DefaultBatchWait)
	o.QueueSize = cmp.Or(o.QueueSize, DefaultQueueSize)
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	o.MinBackoff = cmp.Or(o.MinBackoff, DefaultMinBackoff)
	o.MaxBackoff = max(cmp.Or(o.MaxBackoff, DefaultMaxBackoff), o.MinBackoff)
	o.DropWarnInterval = cmp.Or(o.DropWarnInterval, DefaultDropWarnInterval)
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	w := &Webhook{
		o: o, target: u.Redacted(), queue: make(chan requestlog.Entry, o.QueueSize),
		stop: make(chan struct{}), done: make(chan struct{}), log: o.Logger,
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	w.sending, w.cancel = context.WithCancel(context.Background())
	return w, nil
}

// Observe queues a request's entry. It never waits: when the queue is
// full the entry is dropped and counted.
func (w *Webhook) Observe(r *httpapi.RequestRecord) {
	select {
	case w.queue <- requestlog.NewEntry(r):
	default:
		w.dropped.Add(1)
	}
}

// Stats returns the webhook's figures.
// Target is the webhook's URL without its credentials.
func (w *Webhook) Target() string { return w.target }

func (w *Webhook) Stats() Stats {
	return Stats{
		Sent: w.sent.Load(), Dropped: w.dropped.Load(), RejectedBatches: w.rejected.Load(),
		FailedAttempts: w.failed.Load(), Queued: len(w.queue) + int(w.held.Load()),
	}
}

// Close sends what is queued and stops. When ctx ends first, the batch
// being sent is abandoned and what is left is counted as dropped.
func (w *Webhook) Close(ctx context.Context) error {
	w.once.Do(func() { close(w.stop) })
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
	}
	w.cancel()
	<-w.done
	return ctx.Err()
}

// run sends batch after batch until Close, then what is left.
func (w *Webhook) run() {
	defer close(w.done)
	defer w.cancel()
	for {
		batch, stopping := w.nextBatch()
		if len(batch) > 0 {
			w.deliver(batch)
		}
		w.held.Add(-int64(len(batch)))
		if w.sending.Err() != nil {
			w.abandonQueued()
			return
		}
		if stopping && len(w.queue) == 0 {
			return
		}
	}
}

// nextBatch waits for an entry, then gathers others until the batch is
// full or BatchWait has passed. Once Close was called it only takes what
// is queued, at once. stopping tells that Close was called.
func (w *Webhook) nextBatch() (batch []requestlog.Entry, stopping bool) {
	select {
	case e := <-w.queue:
		batch = w.hold(batch, e)
	case <-w.stop:
		return w.takeQueued(nil), true
	}
	wait := time.NewTimer(w.o.BatchWait)
	defer wait.Stop()
	for len(batch) < w.o.BatchSize {
		select {
		case e := <-w.queue:
			batch = w.hold(batch, e)
		case <-wait.C:
			return batch, false
		case <-w.stop:
			return w.takeQueued(batch), true
		}
	}
	return batch, false
}

// hold adds an entry taken off the queue to the batch.
func (w *Webhook) hold(batch []requestlog.Entry, e requestlog.Entry) []requestlog.Entry {
	w.held.Add(1)
	return append(batch, e)
}

// takeQueued fills the batch with what is queued, without waiting.
func (w *Webhook) takeQueued(batch []requestlog.Entry) []requestlog.Entry {
	for len(batch) < w.o.BatchSize {
		select {
		case e := <-w.queue:
			batch = w.hold(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// deliver sends a batch until the target takes it, refuses it for good,
// or Close gives up; the entries are counted as sent or dropped.
func (w *Webhook) deliver(batch []requestlog.Entry) {
	body, err := encodeBatch(batch)
	if err != nil { // entries hold nothing JSON cannot encode
		w.dropped.Add(uint64(len(batch)))
		w.log.Error("audit webhook: encoding a batch", "target", w.target, "err", err)
		return
	}
	var backoff time.Duration
	for {
		retry, err := w.post(body)
		switch {
		case err == nil:
			w.sent.Add(uint64(len(batch)))
			return
		case !retry:
			w.rejected.Add(1)
			w.dropped.Add(uint64(len(batch)))
			w.log.Error("audit webhook: the target refused a batch; its records are dropped",
				"target", w.target, "records", len(batch), "err", err)
			return
		}
		w.failed.Add(1)
		backoff = min(max(2*backoff, w.o.MinBackoff), w.o.MaxBackoff)
		w.log.Warn("audit webhook: sending failed; retrying", "target", w.target, "records", len(batch),
			"retry_in", backoff, "queued", len(w.queue), "err", err)
		if !w.sleep(backoff/2 + rand.N(backoff/2+1)) {
			w.dropped.Add(uint64(len(batch)))
			return
		}
	}
}

// abandonQueued counts what is left in the queue as dropped, when Close
// gave up sending.
func (w *Webhook) abandonQueued() {
	left := 0
	for batch := w.takeQueued(nil); len(batch) > 0; batch = w.takeQueued(nil) {
		left += len(batch)
		w.held.Add(-int64(len(batch)))
	}
	w.dropped.Add(uint64(left))
	w.log.Error("audit webhook: stopped before the target took every record; the rest are dropped",
		"target", w.target, "dropped_total", w.dropped.Load())
}

// sleep waits d, or until Close gives up, and tells whether to go on.
func (w *Webhook) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.sending.Done():
		return false
	}
}

// post sends one batch. retry tells whether a failure is worth another
// attempt: a transport error, a timeout, 429 or a 5xx.
func (w *Webhook) post(body []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(w.sending, w.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.o.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	if w.o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.o.Token)
	}
	resp, err := w.o.Client.Do(req)
	if err != nil {
		return true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("answered %s", resp.Status)
	default:
		return false, fmt.Errorf("answered %s", resp.Status)
	}
}

// encodeBatch is a batch's body: a JSON array of entries, keys written as
// they are.
func encodeBatch(batch []requestlog.Entry) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(batch); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// warnDrops logs, every DropWarnInterval while entries are being
// dropped, how many were.
func (w *Webhook) warnDrops() {
	tick := time.NewTicker(w.o.DropWarnInterval)
	defer tick.Stop()
	var warned uint64
	for {
		select {
		case <-w.done:
			return
		case <-tick.C:
			if d := w.dropped.Load(); d > warned {
				w.log.Warn("audit webhook: records dropped", "target", w.target,
					"dropped", d-warned, "dropped_total", d, "queued", len(w.queue))
				warned = d
			}
		}
	}
}
