package httpapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync/atomic"
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

// A request body the server has not read to its end when it answers
// would keep the connection busy: before writing the answer, and again
// when the handler returns, net/http reads up to 256 KiB of what is left
// to keep the connection for another request, with no deadline. A client
// that announces a body, sends a byte and stalls would hold the
// connection (and a file descriptor) forever, whoever it is, as a request
// is refused before its body is read. So an answer given while the body
// is unread closes the connection instead, and reading stops at once.

// trackedBody is a request body that records whether it was read to its
// end.
type trackedBody struct {
	io.ReadCloser
	done atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.done.Store(true)
	}
	return n, err
}

// unreadBodyGuard is the response writer of a request with a body: the
// first byte of the answer, status line included, goes out on a
// connection that closes after it when the body was not read to its end.
type unreadBodyGuard struct {
	http.ResponseWriter
	body    *trackedBody
	checked bool
}

// guardUnreadBody tracks r's body and returns the writer to answer it
// with, and the function that puts r's original body back (net/http
// decides what to do with a body by its type once the handler returns).
func guardUnreadBody(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, func()) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return w, func() {}
	}
	orig := r.Body
	b := &trackedBody{ReadCloser: orig}
	r.Body = b
	return &unreadBodyGuard{ResponseWriter: w, body: b}, func() { r.Body = orig }
}

// beforeAnswer ends the connection after this answer when the body is
// unread: Connection: close spares the read net/http does before it
// answers, and a read deadline in the past the one after.
func (g *unreadBodyGuard) beforeAnswer() {
	if g.checked {
		return
	}
	g.checked = true
	if g.body.done.Load() {
		return
	}
	g.Header().Set("Connection", "close")
	_ = http.NewResponseController(g.ResponseWriter).SetReadDeadline(time.Unix(1, 0))
}

func (g *unreadBodyGuard) WriteHeader(status int) {
	if status >= 200 { // 1xx are not the answer
		g.beforeAnswer()
	}
	g.ResponseWriter.WriteHeader(status)
}

func (g *unreadBodyGuard) Write(p []byte) (int, error) {
	g.beforeAnswer()
	return g.ResponseWriter.Write(p)
}

// ReadFrom keeps the underlying writer's ReadFrom (sendfile) in reach of
// io.Copy.
func (g *unreadBodyGuard) ReadFrom(src io.Reader) (int64, error) {
	g.beforeAnswer()
	if rf, ok := g.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(g.ResponseWriter, src)
}

// Unwrap gives http.ResponseController the underlying writer.
func (g *unreadBodyGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }
