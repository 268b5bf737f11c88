package modeltest

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/kurastore/kura/internal/object"
)

// The shared bucket is versioned and written by every worker at once, on
// the same keys. It has no model state; instead every acknowledged write
// is recorded with its version id and its invocation and response, and
// the bucket must show exactly the recorded versions, each with its data,
// ordered consistently with real time: a version whose write returned
// before another's began is the older. Nothing there deletes a version
// for good, so no acknowledged version may ever go missing.
const sharedBucket = "shared"

type sharedWrite struct {
	key, vid, etag string
	dm             bool
	inv, resp      int64
}

type sharedLog struct {
	mu     sync.Mutex
	writes map[string]sharedWrite // by version id
}

func (s *sharedLog) add(w sharedWrite) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.writes[w.vid]; dup || w.vid == "" || w.vid == object.NullVersion {
		return fmt.Errorf("write of %s returned version id %q, not a new one", w.key, w.vid)
	}
	s.writes[w.vid] = w
	return nil
}

// sharedOp writes one of the shared keys: a PUT, a delete marker, a copy
// from another shared key, or a whole multipart upload.
func (w *worker) sharedOp() {
	ctx, cancel := ctxOp()
	defer cancel()
	l := w.r.env.layer
	key := "s/" + w.key()
	rec := sharedWrite{key: key}
	var err error
	var info object.ObjectInfo
	op := ""
	rec.inv = w.r.next()
	switch n := w.rng.IntN(20); {
	case n < 10:
		data := w.data(w.size())
		rec.etag = md5hex(data)
		w.r.content.add(rec.etag, data)
		op = fmt.Sprintf("shared put %s %s", key, rec.etag)
		info, err = l.PutObject(ctx, sharedBucket, key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))})
	case n < 14:
		op = "shared delete " + key
		var res object.DeleteResult
		res, err = l.DeleteObject(ctx, sharedBucket, key, object.DeleteOptions{})
		info.VersionID, rec.dm = res.VersionID, true
		if err == nil && !res.DeleteMarker {
			w.fail("%s: no delete marker made: %+v", op, res)
		}
	case n < 17:
		src := "s/" + w.key()
		op = fmt.Sprintf("shared copy %s to %s", src, key)
		info, err = l.CopyObject(ctx, object.CopySource{Bucket: sharedBucket, Key: src}, sharedBucket, key, object.CopyOptions{ReplaceMetadata: true})
		if code(err) == "NoSuchKey" {
			return
		}
		rec.etag = info.ETag
	default:
		op = "shared multipart " + key
		info, err = w.sharedMultipart(ctx, key)
		rec.etag = info.ETag
	}
	rec.resp = w.r.next()
	w.logf("%s", op)
	if !w.expect(op, err, "") {
		return
	}
	if !rec.dm {
		if _, ok := w.r.content.get(rec.etag); !ok {
			w.fail("%s: ETag %s was never written", op, rec.etag)
		}
	}
	rec.vid = info.VersionID
	if err := w.r.shared.add(rec); err != nil {
		w.fail("%s: %v", op, err)
	}
}

// sharedMultipart uploads one or two parts and completes the upload; on a
// failure it aborts it.
func (w *worker) sharedMultipart(ctx context.Context, key string) (object.ObjectInfo, error) {
	l := w.r.env.layer
	id, err := l.CreateMultipartUpload(ctx, sharedBucket, key, object.UploadOptions{})
	if err != nil {
		return object.ObjectInfo{}, err
	}
	nparts := 1 + w.rng.IntN(2)
	var list []object.CompletePart
	var sums, all []byte
	for i := 1; i <= nparts; i++ {
		n := minPartSize + w.rng.IntN(1500)
		if i == nparts {
			n = w.rng.IntN(1500)
		}
		data := w.data(n)
		p, err := l.UploadPart(ctx, sharedBucket, key, id, i, bytes.NewReader(data), object.PartOptions{Size: int64(n)})
		if err != nil {
			_ = l.AbortMultipartUpload(ctx, sharedBucket, key, id)
			return object.ObjectInfo{}, err
		}
		s := md5.Sum(data)
		sums = append(sums, s[:]...)
		all = append(all, data...)
		list = append(list, object.CompletePart{Number: i, ETag: p.ETag})
	}
	etag := md5hex(sums) + "-" + strconv.Itoa(nparts)
	w.r.content.add(etag, all)
	info, err := l.CompleteMultipartUpload(ctx, sharedBucket, key, id, list, object.CompleteOptions{})
	if err != nil {
		_ = l.AbortMultipartUpload(ctx, sharedBucket, key, id)
	}
	return info, err
}

// checkShared compares the shared bucket with the recorded writes. After
// a crash, a write that had not returned when the crash began may be
// missing; it is then forgotten.
func (r *run) checkShared(ctx context.Context, afterCrash bool) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	l := r.env.layer
	type listed struct {
		info  object.ObjectInfo
		write sharedWrite
	}
	byKey := map[string][]listed{}
	var keyOrder []string
	seen := map[string]bool{}
	vo := object.VersionListOptions{MaxKeys: 1 + r.rng.IntN(7)}
	r.shared.mu.Lock()
	defer r.shared.mu.Unlock()
	for pages := 0; ; pages++ {
		res, err := l.ListObjectVersions(ctx, sharedBucket, vo)
		if err != nil {
			return append(probs, fmt.Sprintf("list versions: %v", err))
		}
		for _, o := range res.Versions {
			wr, ok := r.shared.writes[o.VersionID]
			switch {
			case !ok:
				bad("%s@%s (dm %v, %s) was never acknowledged", o.Key, o.VersionID, o.IsDeleteMarker, o.ETag)
				continue
			case wr.key != o.Key || wr.dm != o.IsDeleteMarker || (!wr.dm && wr.etag != o.ETag):
				bad("%s@%s: dm %v ETag %s, written %+v", o.Key, o.VersionID, o.IsDeleteMarker, o.ETag, wr)
			}
			if seen[o.VersionID] {
				bad("%s@%s listed twice", o.Key, o.VersionID)
			}
			seen[o.VersionID] = true
			if len(byKey[o.Key]) == 0 {
				keyOrder = append(keyOrder, o.Key)
			}
			if o.IsLatest != (len(byKey[o.Key]) == 0) {
				bad("%s@%s: IsLatest %v", o.Key, o.VersionID, o.IsLatest)
			}
			byKey[o.Key] = append(byKey[o.Key], listed{o, wr})
		}
		if !res.IsTruncated {
			break
		}
		if pages > 1000 {
			return append(probs, "list versions: does not end")
		}
		vo.KeyMarker, vo.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
	for vid, wr := range r.shared.writes {
		if seen[vid] {
			continue
		}
		if afterCrash && wr.resp > r.crashStart {
			delete(r.shared.writes, vid)
			continue
		}
		bad("acknowledged %s@%s (dm %v, %s) is missing", wr.key, vid, wr.dm, wr.etag)
	}
	for _, k := range keyOrder {
		vs := byKey[k]
		// Newest first: no listed version may have been written, start to
		// finish, before an older one began.
		for i := range vs {
			for j := i + 1; j < len(vs); j++ {
				if vs[i].write.resp < vs[j].write.inv {
					bad("%s: version %s (written %d-%d) is listed as newer than %s (written %d-%d)",
						k, vs[i].info.VersionID, vs[i].write.inv, vs[i].write.resp, vs[j].info.VersionID, vs[j].write.inv, vs[j].write.resp)
				}
			}
		}
		if p := readShared(ctx, l, r.content, k, "", vs[0]); p != "" {
			bad("%s", p)
		}
		for _, v := range vs {
			if !v.info.IsDeleteMarker {
				if p := readShared(ctx, l, r.content, k, v.info.VersionID, v); p != "" {
					bad("%s", p)
				}
			}
		}
	}
	return probs
}

// readShared reads version vid of key ("" for the latest, v being the
// newest listed version) and checks what it gets.
func readShared(ctx context.Context, l *object.Layer, c *contents, key, vid string, v struct {
	info  object.ObjectInfo
	write sharedWrite
}) string {
	obj, err := l.GetObject(ctx, sharedBucket, key, object.GetOptions{VersionID: vid})
	if v.info.IsDeleteMarker {
		if code(err) != "NoSuchKey" {
			return fmt.Sprintf("get %s, whose newest version is a delete marker: %v", key, err)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("get %s@%s: %v", key, vid, err)
	}
	data, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	want, _ := c.get(v.info.ETag)
	if err != nil || obj.Info.VersionID != v.info.VersionID || !bytes.Equal(data, want) {
		return fmt.Sprintf("get %s@%s: version %s, %d bytes (%v), want %s with %d bytes", key, vid, obj.Info.VersionID, len(data), err, v.info.VersionID, len(want))
	}
	return ""
}
