package console

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"

	"github.com/dustin/go-humanize"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/versioning"
)

// usageCountLimit bounds the listing that counts a bucket's objects and
// bytes for the buckets page: past it the page says "more than".
// Counting a bucket of millions of keys by listing would take minutes:
// an identity allowed the server's usage report gets exact figures from
// it instead (fillExactUsage).
const usageCountLimit = 1000

type bucketRow struct {
	client.BucketInfo
	Objects int
	Bytes   int64
	// More says the bucket holds more than Objects objects.
	More bool
	// UsageError is why the figures are missing (AccessDenied when the
	// user may not list the bucket).
	UsageError string
	// Exact says the figures are the server's usage counters rather than
	// a bounded listing's.
	Exact bool
}

// ObjectCount is Objects with thousands separated.
func (r bucketRow) ObjectCount() string { return humanize.Comma(int64(r.Objects)) }

type bucketsData struct {
	Buckets []bucketRow
	// Exact says the usage report gave the figures.
	Exact bool
}

func (s *Server) bucketsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	var p page
	sess.takeFlash(&p)
	s.renderBuckets(w, r, sess, http.StatusOK, p.Error, p.Notice)
}

func (s *Server) renderBuckets(w http.ResponseWriter, r *http.Request, sess *session, status int, errMsg, notice string) {
	ctx, cancel := requestContext(r)
	defer cancel()
	buckets, err := sess.client.ListBuckets(ctx)
	if err != nil {
		s.render(w, http.StatusOK, "buckets", sess, page{Title: "Buckets", Error: describe(err), Data: bucketsData{}})
		return
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].Name < buckets[j].Name })
	rows := make([]bucketRow, len(buckets))
	for i, b := range buckets {
		rows[i].BucketInfo = b
	}
	exact := s.fillExactUsage(ctx, sess, rows)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4) // a few buckets counted at a time
	for i := range rows {
		if rows[i].Exact {
			continue
		}
		wg.Add(1)
		go func(row *bucketRow) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			countUsage(ctx, sess.client, row)
		}(&rows[i])
	}
	wg.Wait()
	s.render(w, status, "buckets", sess, page{Title: "Buckets", Error: errMsg, Notice: notice, Data: bucketsData{Buckets: rows, Exact: exact}})
}

// countUsage fills the object count and size of a bucket from a bounded
// listing.
func countUsage(ctx context.Context, c *client.Client, row *bucketRow) {
	for o, err := range c.ListObjects(ctx, row.Name, client.ListObjectsOptions{Recursive: true, MaxKeys: usageCountLimit}) {
		if err != nil {
			row.UsageError = describe(err)
			return
		}
		if row.Objects == usageCountLimit {
			row.More = true
			return
		}
		row.Objects++
		row.Bytes += o.Size
	}
}

func (s *Server) createBucket(w http.ResponseWriter, r *http.Request, sess *session) {
	name := r.PostFormValue("name")
	objectLock := r.PostFormValue("objectLock") == "on"
	versioned := r.PostFormValue("versioning") == "on"
	ctx, cancel := requestContext(r)
	defer cancel()
	if err := sess.client.MakeBucket(ctx, name, client.MakeBucketOptions{ObjectLock: objectLock}); err != nil {
		s.renderBuckets(w, r, sess, http.StatusBadRequest, "Creating bucket "+name+": "+describe(err), "")
		return
	}
	// Object lock turns versioning on by itself.
	if versioned && !objectLock {
		if err := sess.client.SetBucketVersioning(ctx, name, &versioning.Configuration{Status: "Enabled"}); err != nil {
			s.renderBuckets(w, r, sess, http.StatusBadRequest, "Bucket "+name+" was created, but enabling versioning failed: "+describe(err), "")
			return
		}
	}
	sess.setNotice("Created bucket " + name + ".")
	http.Redirect(w, r, "/buckets", http.StatusSeeOther)
}

func (s *Server) deleteBucket(w http.ResponseWriter, r *http.Request, sess *session) {
	name := r.PathValue("bucket")
	ctx, cancel := requestContext(r)
	defer cancel()
	if err := sess.client.RemoveBucket(ctx, name); err != nil {
		s.renderBuckets(w, r, sess, http.StatusBadRequest, "Deleting bucket "+name+": "+describe(err), "")
		return
	}
	sess.setNotice("Deleted bucket " + name + ".")
	http.Redirect(w, r, "/buckets", http.StatusSeeOther)
}

// describe is an S3 or admin API error as the user should read it: the
// server's code and message (the console acts as the user, so
// AccessDenied is the user's own refusal).
func describe(err error) string {
	code, message := "", ""
	var s3e *client.ErrorResponse
	var ae *admin.Error
	switch {
	case errors.As(err, &s3e):
		code, message = s3e.Code, s3e.Message
	case errors.As(err, &ae):
		code, message = ae.Code, ae.Message
	default:
		return err.Error()
	}
	if message != "" {
		return code + ": " + message
	}
	return code
}
