package httpapi

import (
	"io"
	"net/http"
	"time"
)

// RequestRecord describes one request the server answered, for the
// operator: metrics, the server's own access log and the audit log. (S3's
// server access logging into a bucket is another thing: accessrecord.go.)
// Health checks are not recorded.
type RequestRecord struct {
	// Time is when the request arrived; Duration is how long it took
	// until the handler returned, the response's body included.
	Time     time.Time
	Duration time.Duration
	// RequestID and HostID are the response's x-amz-request-id and
	// x-amz-id-2.
	RequestID string
	HostID    string
	// RemoteIP is the client's address, without its port.
	RemoteIP string
	// AccessKey is the caller's access key; "" when anonymous or not
	// authenticated.
	AccessKey string
	// API names the operation: S3's (PutObject, ListObjectsV2, …), an
	// admin action (admin:CreateUser, …), "Website" for a website
	// endpoint's read, or "Unknown" when the request was refused before
	// it was routed.
	API       string
	Bucket    string
	Key       string
	Method    string
	UserAgent string
	// Status is the HTTP status answered; ErrorCode is the S3 error code
	// when the answer is an error.
	Status    int
	ErrorCode string
	// BytesIn is the request body read, BytesOut the response body
	// written.
	BytesIn  int64
	BytesOut int64
}

// unknownAPI names a request refused before it was routed.
const unknownAPI = "Unknown"

// observation follows one request for Config.Observe.
type observation struct {
	start  time.Time
	w      *observedWriter
	body   *countedBody
	rq     *request
	api    string
	errors string
}

// observe starts following a request when the server has an observer.
// It returns the writer to answer with (w when there is none) and the
// function to call when the handler returns.
func (s *Server) observe(w http.ResponseWriter, r *http.Request, start time.Time) (http.ResponseWriter, *observation) {
	if s.observer == nil {
		return w, nil
	}
	o := &observation{start: start, w: &observedWriter{ResponseWriter: w}}
	if r.Body != nil && r.Body != http.NoBody {
		o.body = &countedBody{ReadCloser: r.Body}
		r.Body = o.body
	}
	return o.w, o
}

// follow ties a request to its observation.
func (o *observation) follow(rq *request) {
	if o != nil {
		o.rq = rq
	}
}

// setAPI names the observed request's operation.
func (o *observation) setAPI(name string) {
	if o != nil {
		o.api = name
	}
}

// setError records the error code the observed request is answered with.
func (o *observation) setError(code string) {
	if o != nil {
		o.errors = code
	}
}

// finish hands the request's record to the observer. Health checks and
// requests that never became one (rq unset) are not recorded.
func (s *Server) finishObservation(o *observation) {
	if o == nil || o.rq == nil {
		return
	}
	rq, r := o.rq, o.rq.http
	rec := &RequestRecord{
		Time:      o.start,
		Duration:  time.Since(o.start),
		RequestID: rq.id,
		HostID:    rq.id,
		RemoteIP:  remoteIP(r.RemoteAddr),
		API:       o.api,
		Bucket:    rq.bucket,
		Key:       rq.key,
		Method:    r.Method,
		UserAgent: r.UserAgent(),
		Status:    o.w.status,
		ErrorCode: o.errors,
		BytesOut:  o.w.sent,
	}
	if rec.API == "" {
		rec.API = unknownAPI
	}
	if rec.Status == 0 {
		// net/http answers 200 for a handler that wrote nothing.
		rec.Status = http.StatusOK
	}
	if rq.identity != nil {
		rec.AccessKey = rq.identity.AccessKey
	}
	if o.body != nil {
		rec.BytesIn = o.body.n
	}
	s.observer(rec)
}

// observedWriter counts what a response writes.
type observedWriter struct {
	http.ResponseWriter
	status int
	sent   int64
}

func (w *observedWriter) WriteHeader(status int) {
	if status >= 200 && w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *observedWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.sent += int64(n)
	return n, err
}

// ReadFrom copies through Write, so that every byte is counted.
func (w *observedWriter) ReadFrom(src io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{w}, src)
}

// Flush passes a flush on (streamed answers: events, selects).
func (w *observedWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *observedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countedBody counts the request body read.
type countedBody struct {
	io.ReadCloser
	n int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}
