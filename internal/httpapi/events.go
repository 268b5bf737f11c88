package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/notification"
)

// origin is who made the request and how, for the events it causes.
func (s *Server) origin(rq *request) notify.Origin {
	r := rq.http
	o := notify.Origin{RequestID: rq.id, UserAgent: r.UserAgent()}
	if rq.identity != nil {
		o.Principal = rq.identity.AccessKey
	}
	if host, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		o.SourceIP, o.Host, o.Port = host, host, port
	}
	return o
}

// checkDestinations refuses a notification configuration that names a
// destination this server has no target for, as S3 does.
func (s *Server) checkDestinations(ctx context.Context, cfg *notification.Configuration) error {
	for _, arn := range cfg.ARNs() {
		if s.events == nil {
			return s3err.ErrInvalidTargetARN
		}
		ok, err := s.events.CheckARN(ctx, arn)
		if err != nil {
			return err
		}
		if !ok {
			return s3err.ErrInvalidTargetARN
		}
	}
	return nil
}

// accessed records a successful read's event when something wants it.
func (s *Server) accessed(rq *request, name string, info object.ObjectInfo) {
	if s.events == nil {
		return
	}
	doc, err := s.objects.BucketConfig(rq.ctx, rq.bucket, configNotification)
	if err != nil {
		doc = nil
	}
	if !s.events.WantsAccess(rq.bucket, rq.key, name, doc) {
		return
	}
	info.Bucket, info.Key = rq.bucket, rq.key
	s.events.Accessed(s.origin(rq), func(ctx context.Context) error { return s.objects.RecordAccess(ctx, name, info) })
}

// listenNotification is MinIO's ListenBucketNotification (GET
// /bucket?events=...) and, with no bucket, ListenNotification: it streams
// the matching events as lines of JSON for as long as the client stays.
func (s *Server) listenNotification(rq *request) (response, error) {
	if s.events == nil {
		return nil, s3err.ErrNotImplemented.WithMessage("Event notifications are not enabled on this server.")
	}
	q := rq.http.URL.Query()
	f := notify.ListenFilter{Bucket: rq.bucket, Prefix: q.Get("prefix"), Suffix: q.Get("suffix"), Events: q["events"]}
	if len(f.Events) == 0 {
		return nil, s3err.ErrInvalidArgument.WithMessage("Name at least one event to listen for.")
	}
	for _, e := range f.Events {
		if !notification.ValidEvent(e) {
			return nil, s3err.ErrInvalidArgument.WithMessage("The event %q is not supported for notifications", e)
		}
	}
	if rq.bucket != "" {
		if _, err := s.objects.Bucket(rq.ctx, rq.bucket); err != nil {
			return nil, err
		}
	}
	return listenResponse{events: s.events, log: s.log, filter: f, after: q.Get("after")}, nil
}

// keepAliveLine is what a silent listener's stream carries now and then
// so that the connection stays up: a line of no records. Clients skip it;
// minio-go parses every line as JSON and drops the stream on a blank one.
var keepAliveLine = []byte("{\"Records\":[]}\n")

// listenResponse streams events. The request gives up its slot among
// the requests served at once: a listener stays for hours.
type listenResponse struct {
	events *notify.Service
	log    *slog.Logger
	filter notify.ListenFilter
	after  string
}

func (l listenResponse) write(w http.ResponseWriter, rq *request) error {
	rq.release()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	flush := func() {}
	if f, ok := w.(http.Flusher); ok {
		flush = f.Flush
		flush()
	}
	err := l.events.Listen(rq.ctx, l.filter, l.after, func(line []byte) error {
		if line == nil {
			line = keepAliveLine
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
		flush()
		return nil
	})
	if err != nil && rq.ctx.Err() == nil && !strings.Contains(err.Error(), "broken pipe") {
		l.log.Warn("listen: stream ended", "err", err)
	}
	return nil
}
