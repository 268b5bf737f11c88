package httpapi

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/accesslog"
	"github.com/kurastore/kura/sigv2"
	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/logging"
)

// An access log record is queued durably before the request is
// answered, as far as HTTP allows: when the response's declared length
// is about to be complete, before its last byte is written, and else
// (no body, or one of unknown length, which ends only when the handler
// returns) when the handler is done.

// appendTimeout bounds the queueing of one record; it runs even when the
// client has gone.
const appendTimeout = 10 * time.Second

// accessEntry gathers one logged request's record.
type accessEntry struct {
	s       *Server
	rq      *request
	status  *logging.Enabled
	start   time.Time
	op      string // the operation's name, once routed
	errCode string
	// bodyDone is when the request body was read to its end (unix ns).
	bodyDone atomic.Int64
	once     sync.Once
}

// startAccessLog returns the writer to answer rq with and the function
// to call when the handler is done: when the bucket's logging is on, the
// writer records the response and the record is queued before the
// answer completes.
func (s *Server) startAccessLog(w http.ResponseWriter, rq *request, start time.Time) (http.ResponseWriter, func()) {
	if s.accessLog == nil || rq.bucket == "" {
		return w, func() {}
	}
	status := s.loggingStatus(rq)
	if status == nil {
		return w, func() {}
	}
	e := &accessEntry{s: s, rq: rq, status: status, start: start}
	rq.access = e
	aw := &accessWriter{ResponseWriter: w, entry: e, length: -1}
	restore := func() {}
	if body := rq.http.Body; body != nil && body != http.NoBody {
		rq.http.Body = &timedBody{ReadCloser: body, entry: e}
		restore = func() { rq.http.Body = body }
	} else {
		e.bodyDone.Store(start.UnixNano())
	}
	return aw, func() {
		restore()
		aw.finish()
	}
}

// setAccessOp names the operation of a logged request.
func (rq *request) setAccessOp(name string) {
	rq.obs.setAPI(name)
	if rq.access != nil {
		rq.access.op = name
	}
}

// setAccessError records the error code a logged request is answered with.
func (rq *request) setAccessError(code string) {
	rq.obs.setError(code)
	if rq.access != nil {
		rq.access.errCode = code
	}
}

// timedBody notes when the request body was read to its end, where the
// turn-around time starts.
type timedBody struct {
	io.ReadCloser
	entry *accessEntry
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.entry.bodyDone.CompareAndSwap(0, time.Now().UnixNano())
	}
	return n, err
}

// accessWriter is the response writer of a logged request.
type accessWriter struct {
	http.ResponseWriter
	entry      *accessEntry
	status     int
	firstByte  time.Time
	sent       int64
	length     int64 // the declared Content-Length, -1 if none
	headerDone bool
}

func (w *accessWriter) WriteHeader(status int) {
	if status < 200 || w.headerDone {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.headerDone, w.status, w.firstByte = true, status, time.Now()
	if n, err := strconv.ParseInt(w.Header().Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		w.length = n
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *accessWriter) Write(p []byte) (int, error) {
	if !w.headerDone {
		w.WriteHeader(http.StatusOK)
	}
	if w.length < 0 || len(p) == 0 || w.sent+int64(len(p)) < w.length {
		n, err := w.ResponseWriter.Write(p)
		w.sent += int64(n)
		return n, err
	}
	// This write completes the declared body: all but its last byte go
	// out, then the record is queued, then the last byte.
	n, err := w.ResponseWriter.Write(p[:len(p)-1])
	w.sent += int64(n)
	if err != nil {
		return n, err
	}
	w.sent++
	w.entry.record(w)
	m, err := w.ResponseWriter.Write(p[len(p)-1:])
	if m == 0 {
		w.sent--
	}
	return n + m, err
}

// ReadFrom copies through Write, so that the record is queued in time.
func (w *accessWriter) ReadFrom(src io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{w}, src)
}

// Flush passes a flush on (streamed answers: events, selects).
func (w *accessWriter) Flush() {
	if !w.headerDone {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *accessWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish queues the record of a request whose answer the handler has
// left complete but for what net/http sends when it returns.
func (w *accessWriter) finish() {
	if !w.headerDone {
		// net/http answers 200 for a handler that wrote nothing.
		w.status = http.StatusOK
		w.firstByte = time.Now()
	}
	w.entry.record(w)
}

// record queues the record, once.
func (e *accessEntry) record(w *accessWriter) {
	e.once.Do(func() {
		r := e.build(w)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(e.rq.ctx), appendTimeout)
		defer cancel()
		if err := e.s.accessLog.Append(ctx, e.rq.bucket, e.status, r); err != nil {
			e.s.log.Error("access log: a record was not queued", "request_id", e.rq.id, "bucket", e.rq.bucket, "err", err)
		}
	})
}

// build makes the record of the request answered through w.
func (e *accessEntry) build(w *accessWriter) *accesslog.Record {
	rq, r := e.rq, e.rq.http
	now := time.Now()
	rec := &accesslog.Record{
		BucketOwner: e.s.ownerID,
		Bucket:      rq.bucket,
		Time:        e.start,
		RemoteIP:    remoteIP(r.RemoteAddr),
		Requester:   e.s.requester(rq),
		RequestID:   rq.id,
		Operation:   accessOperation(r.Method, e.op, rq.key != ""),
		Key:         rq.key,
		RequestURI:  r.Method + " " + r.URL.RequestURI() + " " + r.Proto,
		Status:      w.status,
		ErrorCode:   e.errCode,
		BytesSent:   w.sent,
		ObjectSize:  objectSize(rq, e.op, w.status, w.Header()),
		TotalTime:   now.Sub(e.start),
		TurnAround:  -1,
		Referer:     r.Header.Get("Referer"),
		UserAgent:   r.Header.Get("User-Agent"),
		VersionID:   w.Header().Get("x-amz-version-id"),
		HostID:      rq.id,
		HostHeader:  r.Host,
	}
	if rec.VersionID == "" {
		rec.VersionID = r.URL.Query().Get("versionId")
	}
	if done := e.bodyDone.Load(); done != 0 && !w.firstByte.IsZero() {
		rec.TurnAround = max(w.firstByte.Sub(time.Unix(0, done)), 0)
	}
	switch rq.signatureVersion {
	case sigv4.Algorithm:
		rec.SignatureVersion = "SigV4"
	case sigv2.Algorithm:
		rec.SignatureVersion = "SigV2"
	}
	switch {
	case rq.signatureVersion == "":
	case rq.authType == "REST-QUERY-STRING":
		rec.AuthType = "QueryString"
	default:
		rec.AuthType = "AuthHeader"
	}
	if r.TLS != nil {
		rec.CipherSuite = tls.CipherSuiteName(r.TLS.CipherSuite)
		rec.TLSVersion = strings.Replace(tls.VersionName(r.TLS.Version), "TLS 1", "TLSv1", 1)
	}
	return rec
}

// requester is who the log says made the request: the root user's
// canonical ID, a user's ARN, "" when anonymous.
func (s *Server) requester(rq *request) string {
	switch id := rq.identity; {
	case id == nil:
		return ""
	case id.Root:
		return s.ownerID
	default:
		return "arn:aws:iam::" + s.accountID() + ":user/" + id.Username
	}
}

func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// objectSize is the size of the object a request reads or writes, -1
// for other requests and failed ones.
func objectSize(rq *request, op string, status int, h http.Header) int64 {
	if status >= 300 {
		return -1
	}
	switch op {
	case "GetObject", "HeadObject", websiteOp:
		if cr := h.Get("Content-Range"); cr != "" {
			if _, total, ok := strings.Cut(cr, "/"); ok {
				if n, err := strconv.ParseInt(total, 10, 64); err == nil {
					return n
				}
			}
		}
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
			return n
		}
	case "PutObject", "UploadPart", "PostObject":
		return rq.bodyLength
	}
	return -1
}

// accessOperations are S3's log names of the operations whose name is
// not REST.<METHOD>.<OBJECT|BUCKET> or that of their sub-resource.
var accessOperations = map[string]string{
	"ListObjects":                        "REST.GET.BUCKET",
	"ListObjectsV2":                      "REST.GET.BUCKET",
	"ListObjectVersions":                 "REST.GET.BUCKETVERSIONS",
	"GetBucketPolicy":                    "REST.GET.BUCKETPOLICY",
	"PutBucketPolicy":                    "REST.PUT.BUCKETPOLICY",
	"DeleteBucketPolicy":                 "REST.DELETE.BUCKETPOLICY",
	"GetBucketLogging":                   "REST.GET.LOGGING_STATUS",
	"PutBucketLogging":                   "REST.PUT.LOGGING_STATUS",
	"CopyObject":                         "REST.COPY.OBJECT",
	"UploadPartCopy":                     "REST.COPY.PART",
	"DeleteObjects":                      "REST.POST.MULTI_OBJECT_DELETE",
	"CreateMultipartUpload":              "REST.POST.UPLOADS",
	"UploadPart":                         "REST.PUT.PART",
	"CompleteMultipartUpload":            "REST.POST.UPLOAD",
	"AbortMultipartUpload":               "REST.DELETE.UPLOAD",
	"ListParts":                          "REST.GET.UPLOAD",
	"ListMultipartUploads":               "REST.GET.UPLOADS",
	"PostObject":                         "REST.POST.OBJECT",
	"PreflightCORS":                      "REST.OPTIONS.PREFLIGHT",
	"GetObjectTagging":                   "REST.GET.OBJECT_TAGGING",
	"PutObjectTagging":                   "REST.PUT.OBJECT_TAGGING",
	"DeleteObjectTagging":                "REST.DELETE.OBJECT_TAGGING",
	"GetObjectAcl":                       "REST.GET.ACL",
	"PutObjectAcl":                       "REST.PUT.ACL",
	"GetBucketAcl":                       "REST.GET.ACL",
	"PutBucketAcl":                       "REST.PUT.ACL",
	"GetBucketNotificationConfiguration": "REST.GET.NOTIFICATION",
	"PutBucketNotificationConfiguration": "REST.PUT.NOTIFICATION",
	"GetObjectLockConfiguration":         "REST.GET.OBJECT_LOCK_CONFIGURATION",
	"PutObjectLockConfiguration":         "REST.PUT.OBJECT_LOCK_CONFIGURATION",
	"GetPublicAccessBlock":               "REST.GET.PUBLIC_ACCESS_BLOCK",
	"PutPublicAccessBlock":               "REST.PUT.PUBLIC_ACCESS_BLOCK",
	"DeletePublicAccessBlock":            "REST.DELETE.PUBLIC_ACCESS_BLOCK",
	"GetBucketOwnershipControls":         "REST.GET.OWNERSHIP_CONTROLS",
	"PutBucketOwnershipControls":         "REST.PUT.OWNERSHIP_CONTROLS",
	"DeleteBucketOwnershipControls":      "REST.DELETE.OWNERSHIP_CONTROLS",
	"GetBucketPolicyStatus":              "REST.GET.POLICY_STATUS",
	"GetObjectRetention":                 "REST.GET.RETENTION",
	"PutObjectRetention":                 "REST.PUT.RETENTION",
	"GetObjectLegalHold":                 "REST.GET.LEGAL_HOLD",
	"PutObjectLegalHold":                 "REST.PUT.LEGAL_HOLD",
	"GetObjectAttributes":                "REST.GET.OBJECT_ATTRIBUTES",
	"SelectObjectContent":                "REST.POST.SELECT",
	"RestoreObject":                      "REST.POST.RESTORE",
	"GetBucketLifecycleConfiguration":    "REST.GET.LIFECYCLE",
	"PutBucketLifecycleConfiguration":    "REST.PUT.LIFECYCLE",
	"DeleteBucketLifecycle":              "REST.DELETE.LIFECYCLE",
	"CreateBucket":                       "REST.PUT.BUCKET",
	"HeadBucket":                         "REST.HEAD.BUCKET",
	"DeleteBucket":                       "REST.DELETE.BUCKET",
}

// accessOperation is S3's log name of an operation: REST.GET.OBJECT and
// the like. Operations without a table entry are named after what their
// name ends with (GetBucketVersioning: REST.GET.VERSIONING).
func accessOperation(method, op string, onObject bool) string {
	if op == websiteOp {
		return "WEBSITE." + method + ".OBJECT"
	}
	if name, ok := accessOperations[op]; ok {
		return name
	}
	what := "BUCKET"
	if onObject {
		what = "OBJECT"
	}
	for _, verb := range []string{"GetBucket", "PutBucket", "DeleteBucket"} {
		if rest, ok := strings.CutPrefix(op, verb); ok && rest != "" {
			what = strings.ToUpper(rest)
		}
	}
	return "REST." + method + "." + what
}
