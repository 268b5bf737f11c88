package httpapi

import (
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/wire/adminapi"
)

// usageAction is the admin action that reads the usage report: MinIO's
// name for its data usage call, so that policies written for it apply.
const usageAction = "admin:DataUsageInfo"

// adminUsage reports what every bucket holds, or with ?bucket=NAME that
// bucket alone, from the object layer's usage counters. The answer is a
// list either way; an unknown bucket is NoSuchBucket.
func (s *Server) adminUsage(rq *request, _ map[string]string) (any, error) {
	query := rq.http.URL.Query()
	if query.Has("bucket") {
		u, err := s.objects.BucketUsage(rq.ctx, query.Get("bucket"))
		if err != nil {
			return nil, err
		}
		return []adminapi.BucketUsage{wireUsage(u)}, nil
	}
	all, err := s.objects.Usage(rq.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.BucketUsage, len(all))
	for i, u := range all {
		out[i] = wireUsage(u)
	}
	return out, nil
}

func wireUsage(u object.BucketUsage) adminapi.BucketUsage {
	return adminapi.BucketUsage{
		Bucket: u.Bucket, Objects: u.Objects, Versions: u.Versions, DeleteMarkers: u.DeleteMarkers, Bytes: u.Bytes,
		Uploads: u.Uploads, UploadParts: u.UploadParts, UploadBytes: u.UploadBytes,
	}
}
