package httpapi

import (
	"net/http"
	"strings"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/snowball"
	"github.com/kurastore/kura/s3err"
)

// Headers of a snowball upload: a PUT whose body is a tar (or gzip tar)
// archive to be extracted into objects, as MinIO defines them.
const (
	snowballExtractHeader = "X-Amz-Meta-Snowball-Auto-Extract"
	snowballPrefixHeader  = "X-Amz-Meta-Minio-Snowball-Prefix"
	// maxSnowballExtracted bounds what one archive may expand to, so that
	// a small gzip upload cannot fill the disk.
	maxSnowballExtracted = 10 * object.MaxPutSize
)

func isSnowball(h http.Header) bool {
	return strings.EqualFold(h.Get(snowballExtractHeader), "true")
}

// extractSnowball stores every file of the archive as an object, all in
// one atomic commit: an archive with an unsafe name, a damaged entry, too
// many entries or a key the caller may not put (each is a PutObject of
// its key) stores nothing.
// Every extracted object gets acl, the request's (see newObjectACL).
func (s *Server) extractSnowball(rq *request, acl []byte) (response, error) {
	enc, err := s.writeEncryption(rq)
	if err != nil {
		return nil, err
	}
	batch, err := s.objects.NewBatch(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	auth := s.keyAuthorizer(rq)
	put := operationAuthz["PutObject"].action
	err = snowball.Extract(rq.body, rq.http.Header.Get(snowballPrefixHeader), func(e snowball.Entry) error {
		if !auth.allows(put, e.Key, "") {
			return s3err.ErrAccessDenied
		}
		return batch.Add(object.BatchEntry{
			Key:  e.Key,
			Body: e.Body,
			Opts: object.PutOptions{Size: e.Size, Attrs: object.Attrs{ContentType: "binary/octet-stream"}, Encryption: enc, ACL: acl},
		})
	}, snowball.WithMaxTotalSize(maxSnowballExtracted))
	if err == nil {
		err = batch.Commit()
	}
	if err != nil {
		batch.Abort()
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}
