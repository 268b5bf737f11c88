package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"sync"

	"github.com/kurastore/kura/internal/accesslog"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/wire/logging"
)

// configLogging names a bucket's logging status among its configuration
// documents.
const configLogging = "logging"

// AccountID is the account every bucket of a server in region belongs
// to: the source account of its access logs.
func AccountID(region string) string { return ownerID(region)[:12] }

func (s *Server) getBucketLogging(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, configLogging, nil)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		// Logging is off: S3 answers an empty status.
		return xmlResponse{doc: &logging.Status{}}, nil
	}
	return rawXMLResponse(doc), nil
}

// putBucketLogging enables, changes or (with an empty status) disables
// the bucket's access log, once the target bucket can take it.
func (s *Server) putBucketLogging(rq *request) (response, error) {
	validate := func(st *logging.Status) error {
		if st.Enabled == nil {
			return nil
		}
		return s.logTargets().Check(rq.ctx, rq.bucket, st.Enabled)
	}
	data, err := readBounded(rq, logging.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	st, err := logging.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if err := validate(st); err != nil {
		return nil, err
	}
	var doc []byte
	if st.Enabled != nil {
		if doc, err = st.Encode(); err != nil {
			return nil, err
		}
	}
	if err := s.objects.SetBucketConfig(rq.ctx, rq.bucket, configLogging, doc); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

// logTargets checks target buckets: the access log service's own check
// when there is one (it knows the ACL of log delivery), else one by
// bucket policy alone.
func (s *Server) logTargets() accesslog.Targets {
	if s.accessLog != nil {
		return s.accessLog.Targets()
	}
	return accesslog.Targets{Objects: s.objects, Account: s.accountID()}
}

// loggingStatus is the bucket's logging status when its logging is
// enabled, else nil. A bucket that does not exist logs nothing.
func (s *Server) loggingStatus(rq *request) *logging.Enabled {
	doc, err := s.objects.BucketConfig(rq.ctx, rq.bucket, configLogging)
	if err != nil {
		if !errors.Is(err, object.ErrNoConfig) && rq.ctx.Err() == nil {
			s.log.Debug("access log: reading the logging status", "bucket", rq.bucket, "err", err)
		}
		return nil
	}
	return s.loggingDocs.parse(doc)
}

// loggingDocs remembers parsed logging statuses: every request on a
// bucket whose logging is on needs its status.
type loggingDocs struct {
	mu   sync.Mutex
	docs map[string]*logging.Enabled
}

func (c *loggingDocs) parse(doc []byte) *logging.Enabled {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.docs[string(doc)]; ok {
		return e
	}
	st, err := logging.Parse(bytes.NewReader(doc))
	if err != nil {
		// Only parsed documents are stored; one that no longer parses
		// logs nothing rather than failing requests.
		return nil
	}
	if c.docs == nil || len(c.docs) >= 256 {
		c.docs = map[string]*logging.Enabled{}
	}
	c.docs[string(doc)] = st.Enabled
	return st.Enabled
}
