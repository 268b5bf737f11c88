package replicate

import (
	"context"
	"io"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/wire/objectlock"
)

// apply makes one queued change true on the destination. Every request
// is a replication request (client.ReplicaOptions): the destination keeps
// the source's version id and time, marks the result REPLICA, and does
// not replicate it further. Each is idempotent, so a change sent twice
// (a crash between sending and settling) does no harm.
func (s *Service) apply(ctx context.Context, layer *object.Layer, r *targetRun, t task) error {
	switch t.Kind {
	case object.ChangeVersion:
		return s.sendVersion(ctx, layer, r, t)
	case object.ChangeDeleteMarker:
		info, err := headVersion(ctx, layer, t)
		if missing(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return r.cl.RemoveObject(ctx, r.t.DestBucket, t.Key, client.RemoveObjectOptions{
			VersionID: t.VersionID,
			Replica:   &client.ReplicaOptions{VersionID: t.VersionID, ModTime: info.LastModified, DeleteMarker: true},
		})
	case object.ChangeVersionDelete:
		err := r.cl.RemoveObject(ctx, r.t.DestBucket, t.Key, client.RemoveObjectOptions{
			VersionID: t.VersionID, Replica: &client.ReplicaOptions{VersionID: t.VersionID},
		})
		if refusedAsMissing(err) {
			return nil
		}
		return err
	case object.ChangeMetadata:
		return s.sendMetadata(ctx, layer, r, t)
	}
	return nil
}

// sendVersion copies a version: its data (a multipart object in the same
// parts, so that its ETag is the same), attributes, tags, lock and
// checksum algorithm. Encrypted versions are sent decrypted over the
// connection and encrypted again by the destination, under its own keys.
func (s *Service) sendVersion(ctx context.Context, layer *object.Layer, r *targetRun, t task) error {
	obj, err := layer.GetObject(ctx, t.Bucket, t.Key, object.GetOptions{VersionID: t.VersionID})
	if missing(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer obj.Body.Close()
	info := obj.Info
	if info.IsDeleteMarker {
		return nil
	}
	rule := s.ruleFor(ctx, layer, r, t.Bucket, t.Key, info.Tags)
	opts := client.PutObjectOptions{
		ContentType:             info.ContentType,
		ContentEncoding:         info.ContentEncoding,
		ContentDisposition:      info.ContentDisposition,
		ContentLanguage:         info.ContentLanguage,
		CacheControl:            info.CacheControl,
		Metadata:                info.UserMeta,
		Tags:                    info.Tags,
		StorageClass:            info.StorageClass,
		WebsiteRedirectLocation: info.WebsiteRedirectLocation,
		Checksum:                info.ChecksumAlgorithm,
		Replica:                 &client.ReplicaOptions{VersionID: info.VersionID, ModTime: info.LastModified},
	}
	if info.Expires != "" {
		if e, err := http.ParseTime(info.Expires); err == nil {
			opts.Expires = e
		}
	}
	if rule != nil && rule.storageClass != "" {
		opts.StorageClass = rule.storageClass
	}
	if info.Tier != "" {
		// The source's class names its tier; the destination has its own.
		opts.StorageClass = ""
	}
	switch info.SSE.Type {
	case object.SSES3:
		opts.ServerSideEncryption = client.SSES3()
	case object.SSEKMS:
		if rule != nil && rule.kmsKeyID != "" {
			if opts.ServerSideEncryption, err = client.SSEKMS(rule.kmsKeyID, nil); err != nil {
				return err
			}
		} else {
			opts.ServerSideEncryption = client.SSES3()
		}
	case object.SSEC:
		return errSkip
	}
	if len(obj.Parts) > 0 {
		opts.PartSizes = make([]int64, len(obj.Parts))
		for i, p := range obj.Parts {
			opts.PartSizes[i] = p.Size
		}
	}
	var body io.Reader = obj.Body
	if r.limiter != nil {
		body = &limitedReader{ctx: ctx, r: obj.Body, l: r.limiter}
	}
	if _, err := r.cl.PutObject(ctx, r.t.DestBucket, t.Key, body, info.Size, opts); err != nil {
		return err
	}
	return s.sendLock(ctx, r, t.Key, info)
}

// sendLock sets a version's retention and legal hold on its replica.
func (s *Service) sendLock(ctx context.Context, r *targetRun, key string, info object.ObjectInfo) error {
	lockOpts := client.ObjectLockOptions{VersionID: info.VersionID, Replica: &client.ReplicaOptions{VersionID: info.VersionID, ModTime: info.LastModified}}
	// A retention that ran out protects nothing, and a destination
	// refuses to set one in the past.
	if info.Retention.Mode != "" && info.Retention.RetainUntil.After(time.Now()) {
		ret := &objectlock.Retention{Mode: info.Retention.Mode, RetainUntilDate: info.Retention.RetainUntil.UTC()}
		if err := r.cl.SetObjectRetention(ctx, r.t.DestBucket, key, ret, lockOpts); err != nil {
			return err
		}
	}
	if info.LegalHold {
		return r.cl.EnableObjectLegalHold(ctx, r.t.DestBucket, key, lockOpts)
	}
	if info.LegalHoldSet {
		return r.cl.DisableObjectLegalHold(ctx, r.t.DestBucket, key, lockOpts)
	}
	return nil
}

// sendMetadata makes the replica's tags, retention or legal hold what
// the version's are now (not the change itself: a retried or reordered
// send still ends in the latest state).
func (s *Service) sendMetadata(ctx context.Context, layer *object.Layer, r *targetRun, t task) error {
	info, err := headVersion(ctx, layer, t)
	if missing(err) {
		return nil
	}
	if err != nil {
		return err
	}
	replica := &client.ReplicaOptions{VersionID: info.VersionID, ModTime: info.LastModified}
	switch t.Event {
	case object.EventTaggingPut, object.EventTaggingDelete:
		topts := client.ObjectTagsOptions{VersionID: info.VersionID, Replica: replica}
		if len(info.Tags) == 0 {
			return r.cl.DeleteObjectTags(ctx, r.t.DestBucket, t.Key, topts)
		}
		return r.cl.SetObjectTags(ctx, r.t.DestBucket, t.Key, info.Tags, topts)
	default:
		return s.sendLock(ctx, r, t.Key, info)
	}
}

// ruleFor finds the rule that decides about an object for this target,
// for its destination settings (storage class, KMS key); nil when the
// configuration changed since the change was queued.
func (s *Service) ruleFor(ctx context.Context, layer *object.Layer, r *targetRun, bucket, key string, tags map[string]string) *rule {
	doc, err := layer.BucketConfig(ctx, bucket, object.ReplicationConfigName)
	if err != nil {
		return nil
	}
	rs, err := s.rules.get(doc)
	if err != nil {
		return nil
	}
	for _, ru := range rs.decide(key, tags) {
		if r.t.names(ru.dest) {
			return ru
		}
	}
	return nil
}

// limitedReader paces reads to a target's bandwidth.
type limitedReader struct {
	ctx context.Context
	r   io.Reader
	l   *rate.Limiter
}

func (lr *limitedReader) Read(p []byte) (int, error) {
	if b := lr.l.Burst(); len(p) > b {
		p = p[:b]
	}
	n, err := lr.r.Read(p)
	if n > 0 {
		if werr := lr.l.WaitN(lr.ctx, n); werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}

// headVersion reads a version's info, a delete marker's included.
func headVersion(ctx context.Context, layer *object.Layer, t task) (object.ObjectInfo, error) {
	obj, err := layer.HeadObject(ctx, t.Bucket, t.Key, object.GetOptions{VersionID: t.VersionID, InfoOnly: true})
	if obj != nil && obj.Info.IsDeleteMarker {
		return obj.Info, nil
	}
	if err != nil {
		return object.ObjectInfo{}, err
	}
	return obj.Info, nil
}
