package audit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/requestlog"
)

// target is a webhook receiver that answers each POST with the status
// respond gives for it (0: 200), and keeps the batches it accepted.
type target struct {
	t       *testing.T
	mu      sync.Mutex
	calls   int
	batches [][]string // request IDs of the accepted batches
	respond func(call int, w http.ResponseWriter, r *http.Request) int
}

func newTarget(t *testing.T, respond func(call int, w http.ResponseWriter, r *http.Request) int) (*target, *httptest.Server) {
	tg := &target{t: t, respond: respond}
	srv := httptest.NewServer(tg)
	t.Cleanup(srv.Close)
	return tg, srv
}

func (tg *target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tg.mu.Lock()
	tg.calls++
	call := tg.calls
	tg.mu.Unlock()
	status := 0
	if tg.respond != nil {
		status = tg.respond(call, w, r)
	}
	if status < 0 { // the connection was taken over
		return
	}
	if status != 0 && status != http.StatusOK {
		w.WriteHeader(status)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		tg.t.Errorf("Content-Type %q", ct)
	}
	body, _ := io.ReadAll(r.Body)
	var entries []requestlog.Entry
	if err := json.Unmarshal(body, &entries); err != nil {
		tg.t.Errorf("batch %q: %v", body, err)
	}
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.RequestID)
	}
	tg.mu.Lock()
	tg.batches = append(tg.batches, ids)
	tg.mu.Unlock()
}

func (tg *target) accepted() (batches [][]string, all []string) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	for _, b := range tg.batches {
		all = append(all, b...)
	}
	return slices.Clone(tg.batches), all
}

func record(i int) *httpapi.RequestRecord {
	return &httpapi.RequestRecord{RequestID: fmt.Sprint("R", i), API: "GetObject", Status: 200, Time: time.Now()}
}

func ids(from, to int) []string {
	var s []string
	for i := from; i <= to; i++ {
		s = append(s, fmt.Sprint("R", i))
	}
	return s
}

func open(t *testing.T, o Options) *Webhook {
	t.Helper()
	o.MinBackoff, o.MaxBackoff = cmp.Or(o.MinBackoff, time.Millisecond), cmp.Or(o.MaxBackoff, 4*time.Millisecond)
	w, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestBatchesOfBatchSize(t *testing.T) {
	var auth []string
	var mu sync.Mutex
	tg, srv := newTarget(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		return 0
	})
	// A batch waits an hour for company: only a full one, or Close,
	// sends it.
	w := open(t, Options{URL: srv.URL, Token: "s3cr3t", BatchSize: 3, BatchWait: time.Hour})
	for i := 1; i <= 7; i++ {
		w.Observe(record(i))
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	batches, _ := tg.accepted()
	want := [][]string{ids(1, 3), ids(4, 6), ids(7, 7)}
	if fmt.Sprint(batches) != fmt.Sprint(want) {
		t.Errorf("batches %v, want %v", batches, want)
	}
	for _, a := range auth {
		if a != "Bearer s3cr3t" {
			t.Errorf("Authorization %q", a)
		}
	}
	if s := w.Stats(); s.Sent != 7 || s.Dropped != 0 || s.FailedAttempts != 0 || s.Queued != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestFullBatchGoesWithoutWaiting(t *testing.T) {
	got := make(chan struct{}, 1)
	_, srv := newTarget(t, func(int, http.ResponseWriter, *http.Request) int {
		got <- struct{}{}
		return 0
	})
	w := open(t, Options{URL: srv.URL, BatchSize: 3, BatchWait: time.Hour})
	defer w.Close(context.Background())
	for i := 1; i <= 3; i++ {
		w.Observe(record(i))
	}
	<-got // a batch short of one would wait an hour
}

func TestRetriesUntilAccepted(t *testing.T) {
	// A dropped connection, 500, 429 and 503, then 200.
	tg, srv := newTarget(t, func(call int, w http.ResponseWriter, _ *http.Request) int {
		switch call {
		case 1:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return -1
		case 2:
			return 500
		case 3:
			return 429
		case 4:
			return 503
		}
		return 0
	})
	w := open(t, Options{URL: srv.URL, BatchSize: 5, BatchWait: time.Hour})
	for i := 1; i <= 5; i++ {
		w.Observe(record(i))
	}
	for i := 6; i <= 8; i++ {
		w.Observe(record(i))
	}
	w.Close(context.Background())
	_, all := tg.accepted()
	if !slices.Equal(all, ids(1, 8)) {
		t.Errorf("accepted %v", all)
	}
	if s := w.Stats(); s.Sent != 8 || s.Dropped != 0 || s.FailedAttempts != 4 || s.RejectedBatches != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestRefusedBatchIsDroppedAndCounted(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 413} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			tg, srv := newTarget(t, func(call int, _ http.ResponseWriter, _ *http.Request) int {
				if call == 1 {
					return status
				}
				return 0
			})
			w := open(t, Options{URL: srv.URL, BatchSize: 2, BatchWait: time.Hour})
			for i := 1; i <= 4; i++ {
				w.Observe(record(i))
			}
			w.Close(context.Background())
			_, all := tg.accepted()
			if !slices.Equal(all, ids(3, 4)) {
				t.Errorf("accepted %v", all)
			}
			if s := w.Stats(); s.Sent != 2 || s.Dropped != 2 || s.RejectedBatches != 1 || s.FailedAttempts != 0 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// blockingTarget holds every POST until released (or its client gives
// up), telling of each one it holds.
func blockingTarget(t *testing.T) (tg *target, srv *httptest.Server, held chan struct{}, release func()) {
	held = make(chan struct{}, 100)
	released := make(chan struct{})
	tg, srv = newTarget(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
		held <- struct{}{}
		body, _ := io.ReadAll(r.Body) // net/http sees the client go once the body is read
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-released:
			return 0
		case <-r.Context().Done():
			return 503
		}
	})
	var once sync.Once
	release = func() { once.Do(func() { close(released) }) }
	t.Cleanup(release)
	return tg, srv, held, release
}

func TestStuckTargetNeverBlocksObserve(t *testing.T) {
	const queue = 10
	tg, srv, held, release := blockingTarget(t)
	var logs syncBuffer
	w := open(t, Options{
		URL: srv.URL, BatchSize: 1, QueueSize: queue, Timeout: time.Hour,
		DropWarnInterval: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	w.Observe(record(0))
	<-held // the sender waits on the target from now on
	// Each Observe returns at once although nothing leaves the queue:
	// were one to wait, the test would never end.
	for i := 1; i <= queue; i++ {
		w.Observe(record(i))
	}
	// Queued counts the queue and the record being sent.
	if s := w.Stats(); s.Dropped != 0 || s.Queued != queue+1 {
		t.Errorf("a queue of %d holding %d: %+v", queue, queue, s)
	}
	w.Observe(record(queue + 1))
	if s := w.Stats(); s.Dropped != 1 {
		t.Errorf("one past the queue: %+v", s)
	}
	for i := queue + 2; i <= queue+1000; i++ {
		w.Observe(record(i))
	}
	if s := w.Stats(); s.Dropped != 1000 || s.Queued != queue+1 {
		t.Errorf("after 1000 past the queue: %+v", s)
	}
	// The drops are logged while the sender still waits on the target.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(logs.String(), "dropped_total=1000"); {
		if time.Now().After(deadline) {
			t.Fatalf("no warning of the drops: %q", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	release()
	w.Close(context.Background())
	_, all := tg.accepted()
	if !slices.Equal(all, ids(0, queue)) {
		t.Errorf("accepted %v", all)
	}
	if s := w.Stats(); s.Sent != queue+1 || s.Dropped != 1000 {
		t.Errorf("stats %+v", s)
	}
}

func TestCloseDeadlineCountsWhatIsLeft(t *testing.T) {
	_, srv, held, _ := blockingTarget(t)
	w := open(t, Options{URL: srv.URL, BatchSize: 2})
	w.Observe(record(1))
	w.Observe(record(2))
	<-held
	for i := 3; i <= 7; i++ {
		w.Observe(record(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Close(ctx); err == nil {
		t.Error("Close past its deadline reported no error")
	}
	if s := w.Stats(); s.Sent != 0 || s.Dropped != 7 || s.Queued != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x/", "http://", "://nope", "localhost:8080"} {
		if w, err := New(Options{URL: u}); err == nil {
			w.Close(context.Background())
			t.Errorf("%q accepted", u)
		}
	}
}

// syncBuffer is a buffer several goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTimedOutPostIsRetried(t *testing.T) {
	// The first POST is never answered: only its timeout ends it.
	tg, srv := newTarget(t, func(call int, _ http.ResponseWriter, r *http.Request) int {
		if call == 1 {
			// net/http sees the client go once the body is read.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return 503
		}
		return 0
	})
	// Later POSTs are answered at once, well within the timeout (on a
	// machine slow enough for one to time out too, it is retried as
	// well, and its batch may then arrive twice: at least once).
	w := open(t, Options{URL: srv.URL, BatchSize: 2, BatchWait: time.Hour, Timeout: time.Second})
	w.Observe(record(1))
	w.Observe(record(2))
	w.Close(context.Background())
	_, all := tg.accepted()
	slices.Sort(all)
	if !slices.Equal(slices.Compact(all), ids(1, 2)) {
		t.Errorf("accepted %v", all)
	}
	if s := w.Stats(); s.Sent != 2 || s.FailedAttempts < 1 || s.Dropped != 0 {
		t.Errorf("stats %+v", s)
	}
}

// Records gathered into a batch that waits to fill still count as
// queued: the metrics show what has not reached the target.
func TestQueuedCountsTheBatchBeingGathered(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	w := open(t, Options{URL: srv.URL, BatchSize: 100, BatchWait: time.Hour, QueueSize: 10})
	for i := range 3 {
		w.Observe(record(i))
	}
	// The sender takes the records off the queue into its batch; at no
	// point may they count as gone.
	for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if s := w.Stats(); s.Queued != 3 && s.Queued != 2 || s.Sent != 0 {
			t.Fatalf("3 records waiting for their batch: %+v", s)
		}
	}
	if s := w.Stats(); s.Queued != 3 {
		t.Fatalf("3 records waiting for their batch: %+v", s)
	}
}
