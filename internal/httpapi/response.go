package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/kurastore/kura/s3err"
)

const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// A response is what a handler returns on success.
type response interface {
	write(w http.ResponseWriter, rq *request) error
}

// headers are response headers a handler sets, in order.
type headers [][2]string

func (h headers) apply(w http.ResponseWriter) {
	out := w.Header()
	for _, kv := range h {
		if strings.HasPrefix(kv[0], userMetaPrefix) {
			// User metadata names go out lowercase, as S3 sends them;
			// clients such as boto3 keep the case they receive.
			out[kv[0]] = []string{kv[1]}
			continue
		}
		out.Set(kv[0], kv[1])
	}
}

// emptyResponse is a status and headers with no body.
type emptyResponse struct {
	status  int
	headers headers
}

func (e emptyResponse) write(w http.ResponseWriter, _ *request) error {
	e.headers.apply(w)
	w.WriteHeader(e.status)
	return nil
}

// xmlResponse is a 200 with an XML document.
type xmlResponse struct {
	headers headers
	doc     any
	status  int // 0 means 200
}

var xmlBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (x xmlResponse) write(w http.ResponseWriter, _ *request) error {
	buf := xmlBuffers.Get().(*bytes.Buffer)
	defer xmlBuffers.Put(buf)
	buf.Reset()
	buf.WriteString(xml.Header)
	if a, ok := x.doc.(xmlAppender); !ok || !a.appendXML(buf) {
		if err := xml.NewEncoder(buf).Encode(x.doc); err != nil {
			return err
		}
	}
	x.headers.apply(w)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	status := x.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// writeError writes err as the S3 XML error document. Errors that are not
// S3 errors are logged and become InternalError.
func (s *Server) writeError(w http.ResponseWriter, rq *request, err error) {
	e := s3err.From(err)
	rq.setAccessError(e.Code)
	var s3e *s3err.Error
	if rq.ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// The client hung up; nobody reads this answer, and the server
		// did nothing wrong.
		e = s3err.ErrIncompleteBody
		s.log.Debug("client went away", "request_id", rq.id, "method", rq.http.Method, "path", rq.http.URL.Path)
	} else if !errors.As(err, &s3e) {
		s.log.Error("internal error", "request_id", rq.id, "method", rq.http.Method, "path", rq.http.URL.Path, "err", err)
	} else if e.HTTPStatus >= 500 && e.HTTPStatus != http.StatusNotImplemented && !errors.Is(err, s3err.ErrSlowDown) {
		// SlowDown sheds load on purpose (limits.go); logging each one
		// would add to the load.
		s.log.Error("request failed", "request_id", rq.id, "method", rq.http.Method, "path", rq.http.URL.Path, "code", e.Code, "err", err)
	}
	h := w.Header()
	// A response to an error must not claim a body the handler meant to
	// send.
	h.Del("Content-Length")
	h.Del("Content-Range")
	if e.HTTPStatus == http.StatusNotModified || rq.http.Method == http.MethodHead {
		w.WriteHeader(e.HTTPStatus)
		return
	}
	doc := s3err.Response{
		Code:       e.Code,
		Message:    e.Message,
		Region:     e.Region,
		BucketName: rq.bucket,
		Key:        rq.key,
		Resource:   rq.http.URL.Path,
		RequestID:  rq.id,
		HostID:     rq.id,
	}
	var body []byte
	var merr error
	if rq.sts {
		// STS speaks the AWS query protocol, whose errors are wrapped.
		body, merr = xml.Marshal(stsErrorResponse{Error: stsError{Type: "Sender", Code: e.Code, Message: e.Message}, RequestID: rq.id})
	} else {
		body = errorXML(doc)
	}
	if merr != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(e.HTTPStatus)
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(body)
}

// errorXML is the error document, written as encoding/xml would write
// s3err.Response but for quotes, which stay as they are in AWS's error
// messages.
func errorXML(doc s3err.Response) []byte {
	var b bytes.Buffer
	text := func(name, value string, omitEmpty bool) {
		if value == "" && omitEmpty {
			return
		}
		b.WriteString("<" + name + ">")
		escapeXMLCharData(&b, value)
		b.WriteString("</" + name + ">")
	}
	b.WriteString("<Error>")
	text("Code", doc.Code, false)
	text("Message", doc.Message, false)
	text("Region", doc.Region, true)
	text("BucketName", doc.BucketName, true)
	text("Key", doc.Key, true)
	text("Resource", doc.Resource, true)
	text("RequestId", doc.RequestID, false)
	text("HostId", doc.HostID, false)
	b.WriteString("</Error>")
	return b.Bytes()
}

// OwnerID is the canonical user id a server of region reports as the
// owner of buckets and objects (in listings, ACLs and event records):
// stable for a server, derived rather than configured.
func OwnerID(region string) string { return ownerID(region) }

func ownerID(seed string) string {
	sum := sha256.Sum256([]byte("kura-owner:" + seed))
	return hex.EncodeToString(sum[:])
}

// owner is the <Owner> element.
type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

func (s *Server) owner() owner { return owner{ID: s.ownerID, DisplayName: "kura"} }

// documentResponse is a 200 with a stored document, sent as it is.
type documentResponse struct {
	contentType string
	body        []byte
}

func rawXMLResponse(body []byte) documentResponse {
	return documentResponse{contentType: "application/xml", body: body}
}

func (d documentResponse) write(w http.ResponseWriter, _ *request) error {
	w.Header().Set("Content-Type", d.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(d.body)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(d.body)
	return err
}
