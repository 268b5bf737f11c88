package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/kurastore/kura/wire/s3select"
)

// SelectObjectContent runs an S3 Select query over an object (spec:
// select_object_content) and returns its results as they stream in. The
// request is validated first; an empty ExpressionType means SQL.
//
// The caller reads the records from the *SelectResults and closes it.
func (c *Client) SelectObjectContent(ctx context.Context, bucket, key string, req *s3select.Request) (*SelectResults, error) {
	if err := checkObject(bucket, key); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, invalidArgument("select request is nil")
	}
	doc := *req
	if doc.ExpressionType == "" {
		doc.ExpressionType = s3select.SQL
	}
	if err := doc.Validate(); err != nil {
		return nil, refused("select request", err)
	}
	body, err := doc.Encode()
	if err != nil {
		return nil, err
	}
	r := &request{
		method: http.MethodPost, bucket: bucket, key: key,
		query:  url.Values{"select": {""}, "select-type": {"2"}},
		header: http.Header{"Content-Type": {"application/xml"}},
		// Select reads and changes nothing: it may be sent again.
		retrySafe: true,
	}
	resp, err := c.do(ctx, r.bytesBody(body))
	if err != nil {
		return nil, err
	}
	return &SelectResults{
		body: resp.Body, dec: s3select.NewDecoder(resp.Body),
		status: resp.StatusCode, bucket: bucket, key: key,
	}, nil
}

// SelectResults are the results of SelectObjectContent: an io.Reader of
// the records (the payloads of the Records messages, in order), and the
// Stats and Progress the server reports along the way.
//
// Read returns io.EOF only after the server's End message: a stream that
// stops before it fails with io.ErrUnexpectedEOF, and an error message
// fails with an *ErrorResponse carrying its code (the HTTP status is the
// stream's, 200, as errors of a running query come after the headers).
type SelectResults struct {
	body   io.ReadCloser
	dec    *s3select.Decoder
	status int
	bucket string
	key    string

	// pending is what is left of the last Records payload.
	pending []byte
	// err is returned once pending is drained: io.EOF after End.
	err error

	mu       sync.Mutex
	stats    *s3select.Stats
	progress *s3select.Stats
}

// Read reads records.
func (r *SelectResults) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.next()
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// next reads one message and files it.
func (r *SelectResults) next() {
	m, err := r.dec.Decode()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		r.err = fmt.Errorf("client: select results: %w", err)
		return
	}
	if e := m.Err(); e != nil {
		var se *s3select.StreamError
		errors.As(e, &se)
		r.err = &ErrorResponse{StatusCode: r.status, Code: se.Code, Message: se.Message, BucketName: r.bucket, Key: r.key}
		return
	}
	switch m.EventType() {
	case s3select.EventRecords:
		r.pending = m.Payload
	case s3select.EventStats, s3select.EventProgress:
		s, err := s3select.ParseStats(m.Payload)
		if err != nil {
			r.err = fmt.Errorf("client: select results: %w", err)
			return
		}
		r.mu.Lock()
		if m.EventType() == s3select.EventStats {
			r.stats = s
		} else {
			r.progress = s
		}
		r.mu.Unlock()
	case s3select.EventEnd:
		r.err = io.EOF
	}
	// Cont only keeps the connection alive; unknown events are skipped
	// so that a server adding one does not break older clients.
}

// Stats returns the final byte counts, or nil before the Stats message,
// which comes just before End.
func (r *SelectResults) Stats() *s3select.Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

// Progress returns the latest Progress counts, or nil when none came (the
// request did not ask for progress, or the scan has not reported yet).
// It may be called while another goroutine reads.
func (r *SelectResults) Progress() *s3select.Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.progress
}

// Close ends the query: closing before End stops the server's scan by
// dropping the connection.
func (r *SelectResults) Close() error {
	return r.body.Close()
}
