package httpapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/kurastore/kura/s3err"
)

// Protection against hostile and broken clients, in one place: a bound
// on header lines, a bound on requests in flight, and a minimum rate at
// which a request body must arrive. net/http bounds the rest (header
// bytes, the time to send them, idle connections); cmd/kura sets those.

// MaxRequestHeaders is the most header lines a request may carry. S3
// clients send a few dozen at most; the bound keeps code that walks the
// headers (signature canonicalization, metadata) cheap whatever arrives.
const MaxRequestHeaders = 200

// DefaultMaxRequestWait is how long a request waits for a slot when
// MaxRequests are in flight, before it is refused with SlowDown.
const DefaultMaxRequestWait = 5 * time.Second

// checkHeaderCount refuses a request with more than MaxRequestHeaders
// header lines.
func checkHeaderCount(r *http.Request) error {
	n := 0
	for _, v := range r.Header {
		n += len(v)
	}
	if n > MaxRequestHeaders {
		return s3err.ErrRequestHeaderSectionTooLarge.WithMessage("Your request has %d header lines; at most %d are allowed.", n, MaxRequestHeaders)
	}
	return nil
}

// admit takes a slot for a request, waiting up to the configured time
// when none is free. It returns the function that gives the slot back.
func (s *Server) admit(r *http.Request) (release func(), err error) {
	if s.slots == nil {
		return func() {}, nil
	}
	select {
	case s.slots <- struct{}{}:
		return s.releaseSlot, nil
	default:
	}
	t := time.NewTimer(s.slotWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return s.releaseSlot, nil
	case <-t.C:
	case <-r.Context().Done():
	}
	s.log.Debug("request shed", "method", r.Method, "path", r.URL.Path, "in_flight", cap(s.slots))
	return nil, s3err.ErrSlowDown
}

func (s *Server) releaseSlot() { <-s.slots }

// minRateBody makes a request body fail with RequestTimeout when the
// client sends it slower than a minimum rate. Within every window of time
// spent waiting for the client (time the server spends elsewhere does not
// count), at least need bytes must arrive. It works through the
// connection's read deadline, which it moves as bytes arrive, so a
// stalled client is cut off even in the middle of a Read.
type minRateBody struct {
	body   io.ReadCloser
	rc     *http.ResponseController
	need   int64
	window time.Duration
	got    int64         // bytes since the window opened
	waited time.Duration // time blocked in Read since the window opened
	off    bool          // deadlines unsupported, or the body is done
	err    error         // ErrRequestTimeout once the client was too slow
}

// limitBodyRate wraps r's body in a minRateBody when a minimum rate is
// configured and the request has a body. The returned function puts the
// original body back; it must run before the handler returns, as
// net/http decides what to do with an unread body by its type.
func (s *Server) limitBodyRate(w http.ResponseWriter, r *http.Request) (restore func()) {
	if s.minBodyRate <= 0 || s.rateWindow <= 0 || r.Body == nil || r.Body == http.NoBody {
		return func() {}
	}
	need := int64(float64(s.minBodyRate) * s.rateWindow.Seconds())
	orig := r.Body
	r.Body = &minRateBody{body: orig, rc: http.NewResponseController(w), need: max(need, 1), window: s.rateWindow}
	return func() { r.Body = orig }
}

func (b *minRateBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.off {
		return b.body.Read(p)
	}
	start := time.Now()
	if err := b.rc.SetReadDeadline(start.Add(b.window - b.waited)); err != nil {
		b.off = true // a connection without deadlines: no rate to enforce
		return b.body.Read(p)
	}
	n, err := b.body.Read(p)
	b.waited += time.Since(start)
	if b.got += int64(n); b.got >= b.need {
		b.got, b.waited = 0, 0
	}
	switch {
	case err == io.EOF:
		// Done with the body: the deadline must not outlive it, as
		// net/http goes on reading the connection to notice a client
		// that goes away.
		b.off = true
		_ = b.rc.SetReadDeadline(time.Time{})
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The deadline stays past: net/http must not wait for the
		// rest of the body before answering.
		b.err = s3err.ErrRequestTimeout
		return n, b.err
	}
	return n, err
}

func (b *minRateBody) Close() error { return b.body.Close() }
