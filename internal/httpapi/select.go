package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/s3select/input"
	"github.com/kurastore/kura/internal/s3select/output"
	"github.com/kurastore/kura/internal/s3select/parquetin"
	"github.com/kurastore/kura/internal/s3select/run"
	"github.com/kurastore/kura/internal/s3select/sql"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/s3select"
)

// selectObjectContent is SelectObjectContent (POST
// /bucket/key?select&select-type=2): it runs an SQL expression over a CSV,
// JSON or Parquet object and streams the result as an event stream.
// Everything that can be checked before the first message (the request,
// the expression, the object, its SSE-C key, the start of its data) is
// answered as an ordinary S3 error; a failure while scanning is an error
// message of the stream.
func (s *Server) selectObjectContent(rq *request) (response, error) {
	if t := rq.http.URL.Query().Get("select-type"); t != "2" {
		return nil, s3err.ErrInvalidArgument.WithMessage("The select-type parameter must be 2.")
	}
	data, err := readBounded(rq, s3select.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, s3err.ErrMissingRequestBody
	}
	req, err := s3select.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	query, err := sql.Parse(req.Expression)
	if err != nil {
		return nil, err
	}
	key, err := readCustomerKey(rq)
	if err != nil {
		return nil, err
	}
	// S3 Select reads the current version: it takes no versionId.
	vr, err := s.objects.OpenVersionReader(rq.ctx, rq.bucket, rq.key, object.GetOptions{CustomerKey: key})
	if err != nil {
		return nil, err
	}
	src, closers, err := openRecords(vr, req, query, s.selectPartSize)
	if err != nil {
		closeAll(closers)
		return nil, err
	}
	return &selectResponse{s: s, query: query, req: req, src: src, closers: closers}, nil
}

// openRecords opens the reader of the object's records that req
// describes: one reader, or for a large CSV or JSON LINES object, parts
// that readers scan at once. The closers release the object's open
// streams.
func openRecords(vr *object.VersionReader, req *s3select.Request, query *sql.Query, partSize int64) (*selectSource, []io.Closer, error) {
	in := req.Input
	var span *input.Span
	if req.ScanRange != nil {
		s, ok := input.ResolveScanRange(req.ScanRange, vr.Size())
		if !ok {
			return &selectSource{recs: noRecords{}}, nil, nil
		}
		span = &s
	}
	if in.Parquet != nil {
		// Only the columns the query reads, and only the row groups
		// whose statistics its WHERE does not rule out.
		opts := parquetin.QueryOptions(query)
		if span != nil {
			// The row groups that start in the range.
			opts.Span = &parquetin.Span{Start: span.Start, End: span.End}
		}
		rd, err := parquetin.Open(vr, vr.Size(), opts)
		if err != nil {
			return nil, nil, err
		}
		return &selectSource{recs: run.Parquet(rd)}, []io.Closer{rd}, nil
	}
	whole := input.Span{Start: 0, End: vr.Size() - 1}
	if span != nil {
		whole = *span
	}
	if workers := runtime.GOMAXPROCS(0); workers > 1 && vr.Size() > 0 {
		length := whole.End - whole.Start + 1
		if spans, ok := input.Split(in, whole, partSize); ok {
			header, err := csvHeaderLength(vr, in)
			if err != nil {
				return nil, nil, err
			}
			parts := make([]run.Part, len(spans))
			for i := range spans {
				parts[i] = func() (run.Records, io.Closer, error) {
					rd, closers, err := openText(vr, in, &spans[i], header)
					return rd, closers, err
				}
			}
			return &selectSource{parts: parts, total: length, workers: workers}, nil, nil
		}
	}
	rd, closers, err := openText(vr, in, span, -1)
	if err != nil {
		return nil, closers, err
	}
	return &selectSource{recs: rd}, closers, nil
}

// selectPartSize is how much of a CSV or JSON LINES object one
// goroutine scans at a time when a scan is split across cores: large
// enough that opening the object again costs little, small enough that
// the parts balance across the cores.
const selectPartSize = 8 << 20

// selectSource is where a select's records come from: one reader, or
// the parts of a split scan.
type selectSource struct {
	recs    run.Records
	parts   []run.Part
	total   int64
	workers int
}

// csvHeaderLength is how many bytes of a CSV object a reader of a span
// past its start must read for the column names; 0 when it needs none.
func csvHeaderLength(vr *object.VersionReader, in s3select.InputSerialization) (int64, error) {
	if !csvHeaderNeeded(in) {
		return 0, nil
	}
	body, err := vr.Open(0, -1)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	return input.HeaderLength(body, in.CSV)
}

func csvHeaderNeeded(in s3select.InputSerialization) bool {
	return in.CSV != nil && in.CSV.FileHeaderInfo != "" && in.CSV.FileHeaderInfo != s3select.FileHeaderNone
}

// openText opens a reader of the CSV or JSON records of span (nil: the
// whole object). A reader of a span past the start of a CSV object with
// a header reads the header's headerLength bytes from the start (-1:
// as many as it needs).
func openText(vr *object.VersionReader, in s3select.InputSerialization, span *input.Span, headerLength int64) (input.Reader, closerList, error) {
	cfg := input.Config{Input: in, Span: span}
	from := int64(0)
	if span != nil {
		from = span.ReadFrom(in)
	}
	var closers closerList
	body, err := openSpanBody(vr, from, span)
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, body)
	if from > 0 && csvHeaderNeeded(in) {
		// The column names are in the object's first line, before the
		// scan range.
		header, err := vr.Open(0, headerLength)
		if err != nil {
			return nil, closers, err
		}
		closers = append(closers, header)
		cfg.Header = header
	}
	rd, err := input.NewReader(body, cfg)
	if err != nil {
		return nil, closers, err
	}
	return rd, closers, nil
}

// spanSlack is how far past a span's end its reader reads before it
// asks for the rest of the object: enough to finish the span's last
// record and see where the next begins, unless a record is long.
const spanSlack = 64 << 10

// openSpanBody opens the object from off for a reader of span (nil: to
// its end). The object layer reads ahead of every read, so a reader of a
// span first opens only the span and a little past it, and the rest of
// the object only when a record goes on further.
func openSpanBody(vr *object.VersionReader, off int64, span *input.Span) (io.ReadCloser, error) {
	if span == nil {
		return vr.Open(off, -1)
	}
	end := min(span.End+spanSlack, vr.Size()-1)
	first, err := vr.Open(off, end-off+1)
	if err != nil {
		return nil, err
	}
	return &spanBody{vr: vr, cur: first, next: end + 1}, nil
}

// spanBody reads the object from one open range and, when that runs out
// before the object does, from a second that goes to the object's end.
type spanBody struct {
	vr   *object.VersionReader
	cur  io.ReadCloser
	next int64 // where the second range starts; -1 once it is open
}

func (b *spanBody) Read(p []byte) (int, error) {
	n, err := b.cur.Read(p)
	if err != io.EOF || b.next < 0 || b.next >= b.vr.Size() {
		return n, err
	}
	if n > 0 {
		return n, nil // the next call opens the rest
	}
	b.cur.Close()
	rest, err := b.vr.Open(b.next, -1)
	if err != nil {
		b.cur = io.NopCloser(strings.NewReader(""))
		return 0, err
	}
	b.cur, b.next = rest, -1
	return b.cur.Read(p)
}

func (b *spanBody) Close() error { return b.cur.Close() }

// closerList closes each of its closers.
type closerList []io.Closer

func (cl closerList) Close() error {
	closeAll(cl)
	return nil
}

// noRecords is a scan range that holds no byte of the object.
type noRecords struct{}

func (noRecords) Next() (sql.Record, error) { return nil, io.EOF }
func (noRecords) BytesScanned() int64       { return 0 }
func (noRecords) BytesProcessed() int64     { return 0 }

func closeAll(closers []io.Closer) {
	for _, c := range closers {
		c.Close()
	}
}

// selectResponse streams the results. The status line goes out with the
// first message, so that an error found before it is still an S3 error
// document.
type selectResponse struct {
	s       *Server
	query   *sql.Query
	req     *s3select.Request
	src     *selectSource
	closers []io.Closer
}

func (sr *selectResponse) write(w http.ResponseWriter, rq *request) error {
	defer closeAll(sr.closers)
	enc := s3select.NewEncoder(w)
	flush := func() {}
	if f, ok := w.(http.Flusher); ok {
		flush = f.Flush
	}
	started := false
	var sendErr error // of the connection: nothing more can be sent
	send := func(m *s3select.Message) error {
		if !started {
			started = true
			w.Header().Set("Content-Type", "application/octet-stream")
			w.WriteHeader(http.StatusOK)
		}
		if err := enc.Encode(m); err != nil {
			sendErr = err
			return err
		}
		flush()
		return nil
	}
	out, opts := output.New(sr.req.Output), run.Options{Progress: sr.req.RequestProgress}
	runner := run.New(sr.query, sr.src.recs, out, opts, send)
	if sr.src.parts != nil {
		runner = run.NewParts(sr.query, sr.src.parts, sr.src.total, sr.src.workers, out, opts, send)
	}
	err := runner.Run(rq.ctx)
	switch {
	case err == nil:
		return nil
	case !started:
		sr.s.writeError(w, rq, err)
		return nil
	case sendErr != nil, rq.ctx.Err() != nil && errors.Is(err, context.Canceled):
		return err
	}
	var s3e *s3err.Error
	if !errors.As(err, &s3e) {
		sr.s.log.Error("select: scan failed", "request_id", rq.id, "path", rq.http.URL.Path, "err", err)
	}
	e := s3err.From(err)
	return send(s3select.ErrorMessage(e.Code, truncateHeader(e.Message)))
}

// truncateHeader keeps a message within an event-stream header value.
func truncateHeader(s string) string {
	if len(s) <= s3select.MaxHeaderValueSize {
		return s
	}
	return strings.ToValidUTF8(s[:s3select.MaxHeaderValueSize], "")
}
