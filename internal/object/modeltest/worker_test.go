package modeltest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/kurastore/kura/internal/object"
)

// worker owns one bucket: it alone writes it, checking each result
// against the model, and reads the other workers' keys.
type worker struct {
	r   *run
	id  int
	rng *rand.Rand
	m   *bucketModel
	// prev is the model before the last operation, and inv and resp
	// that operation's sequence numbers: after a crash the bucket holds
	// either state.
	prev      *bucketModel
	inv, resp int64
	log       []string
}

func (w *worker) logf(format string, args ...any) {
	w.log = append(w.log, fmt.Sprintf(format, args...))
	if len(w.log) > 12 {
		w.log = w.log[len(w.log)-12:]
	}
}

func (w *worker) fail(format string, args ...any) {
	w.r.fail("worker %d (bucket %s) round %d: %s\n    recent ops: %v", w.id, w.m.Name, w.r.rounds.Load(), fmt.Sprintf(format, args...), w.log)
}

// expect compares an operation's error with the model's expectation
// ("" success, "*" any error, else an S3 code). It reports whether the
// operation took effect. Under an injected fault any operation may fail,
// and must then change nothing.
func (w *worker) expect(op string, err error, want string) bool {
	got := code(err)
	switch {
	case got == want || (want == "*" && err != nil):
		return err == nil
	case err != nil && w.r.faultOn.Load():
		w.r.faultedOps.Add(1)
		w.logf("%s faulted: %v", op, err)
		return false
	}
	w.fail("%s: error %q, model expects %q", op, got, want)
	return false
}

func (w *worker) key() string { return keys[w.rng.IntN(len(keys))] }

// size picks an object size: empty, small, around the inline limit, or
// in a blob.
func (w *worker) size() int {
	switch w.rng.IntN(6) {
	case 0:
		return 0
	case 1:
		return 1 + w.rng.IntN(60)
	case 2:
		return inlineLimit - 2 + w.rng.IntN(4) // limit-2 .. limit+1
	default:
		return inlineLimit + 2 + w.rng.IntN(5000)
	}
}

// data returns n random bytes, unique (for n >= 8) so that an ETag names
// one content.
func (w *worker) data(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(w.rng.Uint32())
	}
	if n >= 8 {
		binary.BigEndian.PutUint64(b, uint64(w.r.uniq.Add(1))|uint64(w.id)<<56)
	}
	return b
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func (w *worker) meta() string { return strconv.FormatInt(w.r.uniq.Add(1), 10) }

func (w *worker) tags() map[string]string {
	switch w.rng.IntN(3) {
	case 0:
		return nil
	case 1:
		return map[string]string{"t": w.meta()}
	}
	return map[string]string{"t": w.meta(), "u": "v"}
}

// lock picks a retention and legal hold for a new version in a bucket
// with object lock.
func (w *worker) lock() (object.Retention, bool) {
	if !w.m.Lock {
		return object.Retention{}, false
	}
	var ret object.Retention
	if w.rng.IntN(2) == 0 {
		mode := object.LockGovernance
		if w.rng.IntN(3) == 0 {
			mode = object.LockCompliance
		}
		ret = object.Retention{Mode: mode, RetainUntil: w.r.clk.Now().Add(time.Duration(1+w.rng.IntN(7200)) * time.Second).Truncate(time.Second).UTC()}
	}
	return ret, w.rng.IntN(5) == 0
}

// anyVersion picks a version id of key from the model (delete markers
// too), sometimes one that does not exist.
func (w *worker) anyVersion(key string) string {
	vs := w.m.Keys[key]
	if len(vs) == 0 || w.rng.IntN(10) == 0 {
		if w.m.Versioning == "" {
			return ""
		}
		return "ffffffffffffffff0123456789abcdef"
	}
	return vs[w.rng.IntN(len(vs))].VID
}

// checkVID checks the version id a write returned against the bucket's
// versioning.
func (w *worker) checkVID(op, key, vid string) {
	ok := false
	switch {
	case w.m.Versioning == "":
		ok = vid == ""
	case !w.m.versionsKey(key):
		ok = vid == object.NullVersion
	default:
		ok = len(vid) == 32 && vid != object.NullVersion && object.ValidVersionID(vid)
	}
	if !ok {
		w.fail("%s: version id %q in a bucket whose versioning is %q (excluded %v)", op, vid, w.m.Versioning, w.m.Excluded)
	}
}

// write records a change of key's current value in its history around
// do, which reports whether it took effect.
func (w *worker) write(key, etag string, unknown bool, do func() (bool, string)) {
	h := w.r.hist[w.m.Name+"/"+key]
	i := h.begin(etag, unknown, w.r.next())
	ok, learnt := do()
	h.end(i, w.r.next(), !ok, learnt)
}

// step runs one random operation.
func (w *worker) step() {
	w.prev = w.m.clone()
	w.inv = w.r.next()
	defer func() { w.resp = w.r.next() }()
	w.r.ops.Add(1)
	if w.rng.IntN(8) == 0 {
		w.sharedOp()
		return
	}
	switch n := w.rng.IntN(100); {
	case n < 18:
		w.put()
	case n < 26:
		w.get()
	case n < 37:
		w.readOther()
	case n < 40:
		w.mpuCreate()
	case n < 50:
		w.mpuPart()
	case n < 56:
		w.mpuComplete()
	case n < 57:
		w.mpuAbort()
	case n < 63:
		w.copyOwn()
	case n < 68:
		w.copyOther()
	case n < 74:
		w.deleteLatest()
	case n < 80:
		w.deleteVersion()
	case n < 84:
		w.deleteObjects()
	case n < 88:
		w.tagging()
	case n < 91:
		w.list()
	case n < 93:
		w.versioning()
	case n < 97:
		w.retention()
	default:
		w.legalHold()
	}
}

func (w *worker) put() {
	ctx, cancel := ctxOp()
	defer cancel()
	key := w.key()
	data := w.data(w.size())
	etag := md5hex(data)
	ret, hold := w.lock()
	v := version{ETag: etag, Size: int64(len(data)), Meta: w.meta(), Tags: w.tags(), Ret: ret, Hold: hold}
	opts := object.PutOptions{Size: v.Size, Attrs: object.Attrs{UserMeta: map[string]string{"n": v.Meta}}, Tags: v.Tags, Retention: ret, LegalHold: hold}
	if w.rng.IntN(4) == 0 {
		v.SSE = object.SSES3
		opts.Encryption.Type = object.SSES3
	}
	want := ""
	cur, exists := w.m.latest(key)
	switch w.rng.IntN(8) {
	case 0:
		opts.Cond.IfNoneMatch = "*"
		if exists {
			want = "PreconditionFailed"
		}
	case 1:
		opts.Cond.IfMatch = `"` + cur.ETag + `"`
		if !exists {
			opts.Cond.IfMatch = `"0123"`
			want = "NoSuchKey"
		}
	}
	w.r.content.add(etag, data)
	op := fmt.Sprintf("put %s %d bytes %s if(%+v)", key, len(data), etag, opts.Cond)
	w.logf("%s", op)
	w.write(key, etag, false, func() (bool, string) {
		info, err := w.r.env.layer.PutObject(ctx, w.m.Name, key, bytes.NewReader(data), opts)
		if !w.expect(op, err, want) {
			return false, ""
		}
		if info.ETag != etag {
			w.fail("%s: ETag %s", op, info.ETag)
		}
		w.checkVID(op, key, info.VersionID)
		v.VID = info.VersionID
		w.m.write(key, v)
		return true, ""
	})
}

// get reads one of the worker's own keys, whole or a range, the latest
// version or another.
func (w *worker) get() {
	ctx, cancel := ctxOp()
	defer cancel()
	key := w.key()
	vid := ""
	if w.m.Versioning != "" && w.rng.IntN(3) == 0 {
		vid = w.anyVersion(key)
	}
	v, want := w.modelRead(key, vid)
	var rg *object.Range
	var off, n int64 = 0, v.Size
	partNumber := 0
	switch r := w.rng.IntN(4); {
	case want != "":
	case r == 0 && v.Size > 0:
		off = w.rng.Int64N(v.Size)
		n = 1 + w.rng.Int64N(v.Size-off)
		rg = &object.Range{Start: off, End: off + n - 1}
	case r == 1 && (v.Parts == 0 || v.PartSizes != nil):
		// One part; an object that is not multipart has one.
		partNumber = 1 + w.rng.IntN(max(v.Parts, 1)+1)
		switch {
		case partNumber > max(v.Parts, 1):
			want = "InvalidPartNumber"
		case v.Parts > 0:
			for _, size := range v.PartSizes[:partNumber-1] {
				off += size
			}
			n = v.PartSizes[partNumber-1]
		}
	}
	op := fmt.Sprintf("get %s@%s range %v part %d", key, vid, rg, partNumber)
	w.logf("%s", op)
	obj, err := w.r.env.layer.GetObject(ctx, w.m.Name, key, object.GetOptions{VersionID: vid, Range: rg, PartNumber: partNumber})
	if !w.expect(op, err, want) {
		return
	}
	data, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil {
		w.expect(op+" (body)", err, "")
		return
	}
	if p := compareInfo(obj.Info, v, w.m); p != "" {
		w.fail("%s: %s", op, p)
	}
	if head, err := w.r.env.layer.HeadObject(ctx, w.m.Name, key, object.GetOptions{VersionID: vid, PartNumber: partNumber}); w.expect(op+" (head)", err, "") {
		if p := compareInfo(head.Info, v, w.m); p != "" {
			w.fail("%s (head): %s", op, p)
		}
	}
	full, _ := w.r.content.get(v.ETag)
	if obj.Offset != off || obj.Length != n || !bytes.Equal(data, full[off:off+n]) {
		w.fail("%s: got offset %d length %d (%d bytes), want %d+%d of %s", op, obj.Offset, obj.Length, len(data), off, n, v.ETag)
	}
}

// readOther reads another worker's key and checks that what it saw was
// that key's value at some moment during the read.
func (w *worker) readOther() {
	if w.r.workers < 2 {
		return
	}
	ctx, cancel := ctxOp()
	defer cancel()
	other := w.r.ws[(w.id+1+w.rng.IntN(w.r.workers-1))%w.r.workers]
	key := w.key()
	name := bucketName(other.id)
	ranged := w.rng.IntN(3) == 0
	var rg *object.Range
	if ranged {
		rg = &object.Range{Suffix: true, Length: 1 + w.rng.Int64N(2000)}
	}
	op := fmt.Sprintf("read other %s/%s suffix %v", name, key, rg)
	w.logf("%s", op)
	ri := w.r.next()
	obj, err := w.r.env.layer.GetObject(ctx, name, key, object.GetOptions{Range: rg})
	var data []byte
	if err == nil {
		data, err = readSlowly(obj.Body)
		obj.Body.Close()
	}
	rr := w.r.next()
	etag := ""
	switch c := code(err); {
	case c == "":
		etag = obj.Info.ETag
		if obj.Info.PartsCount > 1 {
			w.r.multipartReads.Add(1)
		}
	case c == "NoSuchKey":
	case c == "InvalidRange" && rg != nil:
		// Only an empty object has no suffix range.
		if obj == nil {
			return
		}
		etag = obj.Info.ETag
		if obj.Info.Size != 0 {
			w.fail("%s: InvalidRange on %d bytes", op, obj.Info.Size)
		}
		obj = nil
	default:
		w.expect(op, err, "")
		return
	}
	h := w.r.hist[name+"/"+key]
	if !h.allows(etag, ri, rr) {
		w.fail("%s: saw %q in [%d,%d], history %s", op, etag, ri, rr, h)
	}
	if etag == "" || obj == nil {
		return
	}
	full, ok := w.r.content.get(etag)
	if !ok {
		// A copy that rewrote the data records its ETag when it returns.
		h.waitSettled()
		full, ok = w.r.content.get(etag)
	}
	if !ok {
		w.fail("%s: ETag %s was never written", op, etag)
		return
	}
	if !bytes.Equal(data, full[obj.Offset:obj.Offset+obj.Length]) || int64(len(data)) != obj.Length {
		w.fail("%s: %d bytes differ from %d+%d of %s", op, len(data), obj.Offset, obj.Length, etag)
	}
}

// pickUpload picks one of the bucket's unfinished uploads, or now and
// then an id that names none.
func (w *worker) pickUpload() (*upload, string) {
	ids := slices.Sorted(maps.Keys(w.m.Uploads))
	if len(ids) == 0 || w.rng.IntN(12) == 0 {
		return nil, "00000000000000000000000000000000"
	}
	u := w.m.Uploads[ids[w.rng.IntN(len(ids))]]
	return u, u.ID
}

func (w *worker) mpuCreate() {
	if len(w.m.Uploads) >= 4 {
		w.mpuComplete()
		return
	}
	ctx, cancel := ctxOp()
	defer cancel()
	u := &upload{Key: w.key(), Meta: w.meta(), Tags: w.tags(), Initiated: w.r.clk.Now(), Parts: map[int]part{}}
	uo := object.UploadOptions{Attrs: object.Attrs{UserMeta: map[string]string{"n": u.Meta}}, Tags: u.Tags}
	if w.rng.IntN(4) == 0 {
		u.SSE = object.SSES3
		uo.Encryption.Type = object.SSES3
	}
	op := fmt.Sprintf("create upload %s sse %q", u.Key, u.SSE)
	w.logf("%s", op)
	id, err := w.r.env.layer.CreateMultipartUpload(ctx, w.m.Name, u.Key, uo)
	if w.expect(op, err, "") {
		if id == "" || w.m.Uploads[id] != nil {
			w.fail("%s: upload id %q", op, id)
		}
		u.ID = id
		w.m.Uploads[id] = u
	}
}

// mpuPart uploads (or replaces) a part of an unfinished upload.
func (w *worker) mpuPart() {
	if len(w.m.Uploads) == 0 && w.rng.IntN(4) != 0 {
		w.mpuCreate()
		return
	}
	ctx, cancel := ctxOp()
	defer cancel()
	u, id := w.pickUpload()
	key := w.key()
	if u != nil {
		key = u.Key
	}
	number := 1 + w.rng.IntN(4)
	n := minPartSize + w.rng.IntN(2000)
	switch w.rng.IntN(12) {
	case 0:
		n = minPartSize - 1
	case 1:
		n = minPartSize
	case 2:
		n = w.rng.IntN(300)
	}
	data := w.data(n)
	etag := md5hex(data)
	w.r.content.add(etag, data)
	want := ""
	if u == nil {
		want = "NoSuchUpload"
	}
	op := fmt.Sprintf("upload part %s %s #%d %d bytes", key, id, number, n)
	w.logf("%s", op)
	p, err := w.r.env.layer.UploadPart(ctx, w.m.Name, key, id, number, bytes.NewReader(data), object.PartOptions{Size: int64(n)})
	if !w.expect(op, err, want) {
		return
	}
	if p.ETag != etag || p.Number != number || p.Size != int64(n) {
		w.fail("%s: part %+v", op, p)
	}
	u.Parts[number] = part{ETag: etag, Size: int64(n)}
}

// mpuComplete completes an unfinished upload with some of its parts, in
// order, sometimes naming one wrongly; and sometimes retries it, which
// must give the same answer while the object it made is current.
func (w *worker) mpuComplete() {
	ctx, cancel := ctxOp()
	defer cancel()
	u, id := w.pickUpload()
	if w.rng.IntN(4) != 0 && (u == nil || len(u.Parts) == 0) {
		// Most of the time, make progress towards a complete instead.
		w.mpuPart()
		return
	}
	key := w.key()
	var numbers []int
	if u != nil {
		key = u.Key
		for _, n := range slices.Sorted(maps.Keys(u.Parts)) {
			if w.rng.IntN(8) != 0 {
				numbers = append(numbers, n)
			}
		}
	}
	if len(numbers) == 0 {
		numbers = []int{1 + w.rng.IntN(4)}
	}
	want := ""
	if u == nil {
		want = "NoSuchUpload"
	}
	var list []object.CompletePart
	var sums []byte
	var all []byte
	v := version{Upload: id, Parts: len(numbers)}
	for i, n := range numbers {
		p, ok := part{}, false
		if u != nil {
			p, ok = u.Parts[n]
		}
		etag := p.ETag
		if w.rng.IntN(20) == 0 {
			etag, ok = "0123456789abcdef0123456789abcdef", false
		}
		switch {
		case want != "":
		case !ok:
			want = "InvalidPart"
		case p.Size < minPartSize && i < len(numbers)-1:
			want = "EntityTooSmall"
		}
		list = append(list, object.CompletePart{Number: n, ETag: `"` + etag + `"`})
		if ok {
			raw, _ := hex.DecodeString(p.ETag)
			sums = append(sums, raw...)
			data, _ := w.r.content.get(p.ETag)
			all = append(all, data...)
			v.PartSizes = append(v.PartSizes, p.Size)
			v.PartETags = append(v.PartETags, p.ETag)
		}
	}
	if want == "" {
		v.ETag = md5hex(sums) + "-" + strconv.Itoa(len(numbers))
		v.Size, v.Meta, v.Tags, v.SSE = int64(len(all)), u.Meta, u.Tags, u.SSE
		w.r.content.add(v.ETag, all)
	}
	op := fmt.Sprintf("complete %s %s parts %v", key, id, numbers)
	w.logf("%s", op)
	var info object.ObjectInfo
	w.write(key, v.ETag, false, func() (bool, string) {
		var err error
		info, err = w.r.env.layer.CompleteMultipartUpload(ctx, w.m.Name, key, id, list, object.CompleteOptions{})
		if !w.expect(op, err, want) {
			return false, ""
		}
		if info.ETag != v.ETag || info.Size != v.Size {
			w.fail("%s: ETag %s size %d, want %s %d", op, info.ETag, info.Size, v.ETag, v.Size)
		}
		w.checkVID(op, key, info.VersionID)
		v.VID = info.VersionID
		w.m.write(key, v)
		delete(w.m.Uploads, id)
		w.r.completes.Add(1)
		return true, ""
	})
	if want == "" && info.ETag != "" && w.rng.IntN(3) == 0 {
		w.retryComplete(key, id, list, info)
	}
}

// retryComplete repeats a CompleteMultipartUpload that succeeded: while
// the object it made is the key's current one, the answer is the same
// and nothing changes; after that the upload is gone.
func (w *worker) retryComplete(key, id string, list []object.CompletePart, first object.ObjectInfo) {
	ctx, cancel := ctxOp()
	defer cancel()
	cur, ok := w.m.latest(key)
	want := "NoSuchUpload"
	if ok && cur.Upload == id && len(cur.PartETags) == len(list) {
		want = ""
	}
	op := fmt.Sprintf("retry complete %s %s", key, id)
	w.logf("%s", op)
	info, err := w.r.env.layer.CompleteMultipartUpload(ctx, w.m.Name, key, id, list, object.CompleteOptions{})
	if w.expect(op, err, want) && (info.ETag != first.ETag || info.VersionID != first.VersionID || info.Size != first.Size) {
		w.fail("%s: answer %s %s %d, first %s %s %d", op, info.ETag, info.VersionID, info.Size, first.ETag, first.VersionID, first.Size)
	}
}

func (w *worker) mpuAbort() {
	ctx, cancel := ctxOp()
	defer cancel()
	u, id := w.pickUpload()
	key := w.key()
	want := "NoSuchUpload"
	if u != nil {
		key, want = u.Key, ""
	}
	op := fmt.Sprintf("abort %s %s", key, id)
	w.logf("%s", op)
	err := w.r.env.layer.AbortMultipartUpload(ctx, w.m.Name, key, id)
	if w.expect(op, err, want) {
		delete(w.m.Uploads, id)
	}
}

// copyOwn copies a version of one of the worker's keys to another (or
// onto itself, which must change the metadata).
func (w *worker) copyOwn() {
	ctx, cancel := ctxOp()
	defer cancel()
	src, dst := w.key(), w.key()
	vid := ""
	if w.m.Versioning != "" && w.rng.IntN(3) == 0 {
		vid = w.anyVersion(src)
	}
	opts := object.CopyOptions{ReplaceMetadata: w.rng.IntN(2) == 0, ReplaceTags: w.rng.IntN(2) == 0}
	sv, want := w.modelRead(src, vid)
	if want == "MethodNotAllowed" {
		want = "*" // a copy of a delete marker: any refusal
	}
	v := sv.clone()
	v.Ret, v.Hold = object.Retention{}, false
	v.Upload, v.PartETags = "", nil
	// A copy does not inherit the source's encryption; one that changes
	// it rewrites the data, and its ETag and parts are learnt from the
	// answer.
	if w.rng.IntN(6) == 0 {
		opts.Encryption.Type = object.SSES3
	}
	v.SSE = opts.Encryption.Type
	rewrites := v.SSE != "" || sv.SSE != ""
	if opts.ReplaceMetadata {
		v.Meta = w.meta()
		opts.Attrs.UserMeta = map[string]string{"n": v.Meta}
	}
	if opts.ReplaceTags {
		v.Tags = w.tags()
		opts.Tags = v.Tags
	}
	if src == dst && vid == "" && !opts.ReplaceMetadata && opts.Encryption.Type == "" {
		// A copy onto itself must change something (its metadata or its
		// encryption); S3 checks this before it looks at the source.
		// Naming a version is a change: it restores that version.
		want = "InvalidRequest"
	}
	op := fmt.Sprintf("copy %s@%s to %s replace meta %v tags %v sse %q", src, vid, dst, opts.ReplaceMetadata, opts.ReplaceTags, opts.Encryption.Type)
	w.logf("%s", op)
	w.write(dst, v.ETag, rewrites, func() (bool, string) {
		info, err := w.r.env.layer.CopyObject(ctx, object.CopySource{Bucket: w.m.Name, Key: src, VersionID: vid}, w.m.Name, dst, opts)
		if !w.expect(op, err, want) {
			return false, ""
		}
		if rewrites {
			w.learnRewrite(op, &v, info)
		} else if info.ETag != v.ETag {
			w.fail("%s: ETag %s, source %s", op, info.ETag, v.ETag)
		}
		w.checkVID(op, dst, info.VersionID)
		v.VID = info.VersionID
		w.m.write(dst, v)
		return true, v.ETag
	})
}

// learnRewrite takes a rewritten copy's ETag and parts from the layer's
// answer: the data is the source's, under what may be a new ETag.
func (w *worker) learnRewrite(op string, v *version, info object.ObjectInfo) {
	data, _ := w.r.content.get(v.ETag)
	if prev, ok := w.r.content.get(info.ETag); ok && !bytes.Equal(prev, data) {
		w.fail("%s: ETag %s names other data", op, info.ETag)
	}
	w.r.content.add(info.ETag, data)
	if info.ETag != v.ETag || info.PartsCount != v.Parts {
		v.PartSizes = nil
	}
	v.ETag, v.Parts = info.ETag, info.PartsCount
}

// copyOther copies another worker's key, which may change meanwhile:
// what the copy got must be a value the source had during the copy.
func (w *worker) copyOther() {
	if w.r.workers < 2 {
		return
	}
	ctx, cancel := ctxOp()
	defer cancel()
	other := bucketName((w.id + 1 + w.rng.IntN(w.r.workers-1)) % w.r.workers)
	src, dst := w.key(), w.key()
	v := version{Meta: w.meta(), Tags: w.tags()}
	opts := object.CopyOptions{ReplaceMetadata: true, ReplaceTags: true, Attrs: object.Attrs{UserMeta: map[string]string{"n": v.Meta}}, Tags: v.Tags}
	if w.rng.IntN(6) == 0 {
		opts.Encryption.Type = object.SSES3
	}
	v.SSE = opts.Encryption.Type
	op := fmt.Sprintf("copy %s/%s to %s", other, src, dst)
	w.logf("%s", op)
	h := w.r.hist[other+"/"+src]
	w.write(dst, "", true, func() (bool, string) {
		ri := w.r.next()
		info, err := w.r.env.layer.CopyObject(ctx, object.CopySource{Bucket: other, Key: src}, w.m.Name, dst, opts)
		rr := w.r.next()
		if code(err) == "NoSuchKey" {
			if !h.allows("", ri, rr) {
				w.fail("%s: NoSuchKey in [%d,%d], history %s", op, ri, rr, h)
			}
			return false, ""
		}
		if !w.expect(op, err, "") {
			return false, ""
		}
		// A copy that rewrote a value the source held has a new ETag, the
		// MD5 of that value's data. Look for it even when the history
		// allows any ETag (while another copy of unknown value is in
		// flight): that copy may never produce this one.
		rewritten := w.rewriteOf(info.ETag, h, ri, rr)
		if !rewritten && !h.allows(info.ETag, ri, rr) {
			w.fail("%s: copied %q in [%d,%d], history %s", op, info.ETag, ri, rr, h)
		}
		data, ok := w.r.content.get(info.ETag)
		if !ok {
			if h.waitSettledFor(2 * time.Second) {
				data, ok = w.r.content.get(info.ETag)
			} else {
				// Two workers copying each other's keys at once each wait
				// for the other's copy to be recorded. This worker alone
				// writes dst, so the copy's bytes are what dst holds now:
				// later reads of this ETag are checked against them.
				var err error
				if data, err = w.readBack(ctx, dst, info.VersionID); err == nil {
					ok = true
					w.r.content.add(info.ETag, data)
				} else {
					w.fail("%s: reading the copy back after waiting for its source: %v", op, err)
				}
			}
		}
		if !ok {
			w.fail("%s: ETag %s was never written (its source history settled without it)", op, info.ETag)
		}
		v.ETag, v.Size, v.Parts = info.ETag, int64(len(data)), info.PartsCount
		w.checkVID(op, dst, info.VersionID)
		v.VID = info.VersionID
		w.m.write(dst, v)
		return true, info.ETag
	})
}

func (w *worker) checkDeleteResult(op, key string, got, want object.DeleteResult, out deleteOutcome) {
	if out.marker {
		w.checkVID(op, key, got.VersionID)
		want.VersionID = got.VersionID
	}
	if got != want {
		w.fail("%s: result %+v, model %+v", op, got, want)
	}
}

func (w *worker) deleteLatest() {
	ctx, cancel := ctxOp()
	defer cancel()
	key := w.key()
	out := w.m.predictDelete(key, "", false, w.r.clk.Now())
	op := "delete " + key
	w.logf("%s", op)
	w.write(key, "", false, func() (bool, string) {
		res, err := w.r.env.layer.DeleteObject(ctx, w.m.Name, key, object.DeleteOptions{})
		if !w.expect(op, err, "") {
			return false, ""
		}
		w.checkDeleteResult(op, key, res, out.result, out)
		w.m.applyDelete(key, "", out, res.VersionID)
		return true, ""
	})
}

func (w *worker) deleteVersion() {
	if w.m.Versioning == "" {
		w.deleteLatest()
		return
	}
	ctx, cancel := ctxOp()
	defer cancel()
	key := w.key()
	vid := w.anyVersion(key)
	bypass := w.rng.IntN(2) == 0
	now := w.r.clk.Now()
	out := w.m.predictDelete(key, vid, bypass, now)
	want := ""
	if out.refused {
		want = "AccessDenied"
	}
	after := w.m.clone()
	after.applyDelete(key, vid, out, "")
	op := fmt.Sprintf("delete %s@%s bypass %v", key, vid, bypass)
	w.logf("%s", op)
	w.write(key, after.latestETag(key), false, func() (bool, string) {
		res, err := w.r.env.layer.DeleteObject(ctx, w.m.Name, key, object.DeleteOptions{VersionID: vid, BypassGovernance: bypass})
		if !w.expect(op, err, want) {
			return false, ""
		}
		w.checkDeleteResult(op, key, res, out.result, out)
		w.m.applyDelete(key, vid, out, "")
		return true, ""
	})
}

func (w *worker) deleteObjects() {
	ctx, cancel := ctxOp()
	defer cancel()
	n := 1 + w.rng.IntN(4)
	var objs []object.ObjectToDelete
	for range n {
		o := object.ObjectToDelete{Key: w.key(), BypassGovernance: w.rng.IntN(2) == 0}
		if w.m.Versioning != "" && w.rng.IntN(2) == 0 {
			o.VersionID = w.anyVersion(o.Key)
		}
		objs = append(objs, o)
	}
	now := w.r.clk.Now()
	after := w.m.clone()
	outs := make([]deleteOutcome, n)
	for i, o := range objs {
		outs[i] = after.predictDelete(o.Key, o.VersionID, o.BypassGovernance, now)
		after.applyDelete(o.Key, o.VersionID, outs[i], "marker")
	}
	op := fmt.Sprintf("delete objects %+v", objs)
	w.logf("%s", op)
	// One history entry per key, around the one commit.
	type pending struct {
		h *history
		i int
	}
	var entries []pending
	seen := map[string]bool{}
	inv := w.r.next()
	for _, o := range objs {
		if !seen[o.Key] {
			seen[o.Key] = true
			h := w.r.hist[w.m.Name+"/"+o.Key]
			entries = append(entries, pending{h, h.begin(after.latestETag(o.Key), false, inv)})
		}
	}
	res, err := w.r.env.layer.DeleteObjects(ctx, w.m.Name, objs)
	ok := w.expect(op, err, "")
	resp := w.r.next()
	for _, e := range entries {
		e.h.end(e.i, resp, !ok, "")
	}
	if !ok {
		return
	}
	if len(res) != n {
		w.fail("%s: %d results", op, len(res))
		return
	}
	for i, o := range objs {
		want := ""
		if outs[i].refused {
			want = "AccessDenied"
		}
		if got := code(res[i].Err); got != want {
			w.fail("%s: entry %d error %q, model %q", op, i, got, want)
			continue
		}
		if want == "" {
			w.checkDeleteResult(fmt.Sprintf("%s entry %d", op, i), o.Key, res[i].DeleteResult, outs[i].result, outs[i])
		}
		w.m.applyDelete(o.Key, o.VersionID, outs[i], res[i].VersionID)
	}
}

func (w *worker) tagging() {
	ctx, cancel := ctxOp()
	defer cancel()
	key := w.key()
	vid := ""
	if w.m.Versioning != "" && w.rng.IntN(2) == 0 {
		vid = w.anyVersion(key)
	}
	i, ok := w.m.target(key, vid)
	want := ""
	if !ok {
		want = "*"
	}
	tags := w.tags()
	op := fmt.Sprintf("tag %s@%s %v", key, vid, tags)
	w.logf("%s", op)
	var err error
	if tags == nil {
		_, err = w.r.env.layer.DeleteObjectTags(ctx, w.m.Name, key, vid)
	} else {
		_, err = w.r.env.layer.PutObjectTags(ctx, w.m.Name, key, vid, tags)
	}
	if w.expect(op, err, want) {
		w.m.Keys[key][i].Tags = tags
	}
}

func (w *worker) list() {
	if w.r.faultOn.Load() {
		return
	}
	ctx, cancel := ctxOp()
	defer cancel()
	w.logf("check bucket")
	if probs := checkBucket(ctx, w.r.env.layer, w.r.content, w.m, 1+w.rng.IntN(4)); len(probs) > 0 {
		w.fail("bucket differs from the model:\n    %s", probs)
	}
}

func (w *worker) versioning() {
	ctx, cancel := ctxOp()
	defer cancel()
	status := object.VersioningEnabled
	if w.m.Versioning == object.VersioningEnabled {
		status = object.VersioningSuspended
	}
	if w.m.Versioning == "" && w.rng.IntN(4) != 0 {
		return
	}
	want := ""
	if w.m.Lock && status != object.VersioningEnabled {
		want = "InvalidBucketState"
	}
	var excluded []string
	if status == object.VersioningEnabled && w.rng.IntN(3) == 0 {
		excluded = []string{"d/"}
	}
	op := fmt.Sprintf("versioning %s excluding %v", status, excluded)
	w.logf("%s", op)
	err := w.r.env.layer.SetBucketVersioning(ctx, w.m.Name, object.VersioningConfig{Status: status, ExcludedPrefixes: excluded})
	if w.expect(op, err, want) {
		w.m.setVersioning(status, excluded)
	}
}

func (w *worker) retention() {
	ctx, cancel := ctxOp()
	defer cancel()
	key := w.key()
	vid := ""
	if w.m.Versioning != "" && w.rng.IntN(2) == 0 {
		vid = w.anyVersion(key)
	}
	now := w.r.clk.Now()
	var ret object.Retention
	if w.rng.IntN(4) != 0 {
		ret, _ = w.lock()
		if ret.Mode == "" {
			ret = object.Retention{Mode: object.LockGovernance, RetainUntil: now.Add(time.Duration(1+w.rng.IntN(600)) * time.Second).Truncate(time.Second).UTC()}
		}
	}
	bypass := w.rng.IntN(2) == 0
	i, ok := w.m.target(key, vid)
	want := ""
	switch {
	case !w.m.Lock:
		want = "InvalidRequest"
	case !ok:
		want = "*"
	case !retentionChangeAllowed(w.m.Keys[key][i].Ret, ret, bypass, now):
		want = "AccessDenied"
	}
	op := fmt.Sprintf("retention %s@%s %+v bypass %v", key, vid, ret, bypass)
	w.logf("%s", op)
	err := w.r.env.layer.PutObjectRetention(ctx, w.m.Name, key, vid, ret, bypass)
	if w.expect(op, err, want) {
		w.m.Keys[key][i].Ret = ret
	}
}

func (w *worker) legalHold() {
	ctx, cancel := ctxOp()
	defer cancel()
	key := w.key()
	vid := ""
	if w.m.Versioning != "" && w.rng.IntN(2) == 0 {
		vid = w.anyVersion(key)
	}
	on := w.rng.IntN(2) == 0
	i, ok := w.m.target(key, vid)
	want := ""
	switch {
	case !w.m.Lock:
		want = "InvalidRequest"
	case !ok:
		want = "*"
	}
	op := fmt.Sprintf("legal hold %s@%s %v", key, vid, on)
	w.logf("%s", op)
	err := w.r.env.layer.PutObjectLegalHold(ctx, w.m.Name, key, vid, on)
	if w.expect(op, err, want) {
		w.m.Keys[key][i].Hold = on
	}
}

// readSlowly reads r to its end, with -model.gcrace in small pieces and
// pauses, as a slow client does, so that the collector may run meanwhile.
func readSlowly(r io.Reader) ([]byte, error) {
	if !*flagGCRace {
		return io.ReadAll(r)
	}
	time.Sleep(5 * time.Millisecond)
	var out []byte
	buf := make([]byte, 512)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// rewriteOf reports whether etag is that of a copy that rewrote (to
// change the encryption) a value the source may have had during the copy:
// such a copy's ETag is the MD5 of its data. It records the data under
// etag.
func (w *worker) rewriteOf(etag string, h *history, ri, rr int64) bool {
	for _, c := range h.candidates(ri, rr) {
		data, ok := w.r.content.get(c)
		if ok && md5hex(data) == etag {
			w.r.content.add(etag, data)
			return true
		}
	}
	return false
}

// readBack reads version vid ("" for the latest) of key in the worker's
// own bucket, whole.
func (w *worker) readBack(ctx context.Context, key, vid string) ([]byte, error) {
	obj, err := w.r.env.layer.GetObject(ctx, w.m.Name, key, object.GetOptions{VersionID: vid})
	if err != nil {
		return nil, err
	}
	defer obj.Body.Close()
	return io.ReadAll(obj.Body)
}

// modelRead is the model's version vid ("" for the latest) of key, and
// the error a read of it must get ("" for none): NoSuchKey, NoSuchVersion,
// or MethodNotAllowed for a delete marker.
func (w *worker) modelRead(key, vid string) (version, string) {
	if vid == "" {
		v, ok := w.m.latest(key)
		if !ok {
			return v, "NoSuchKey"
		}
		return v, ""
	}
	i := w.m.find(key, vid)
	if i < 0 {
		return version{}, "NoSuchVersion"
	}
	v := w.m.Keys[key][i]
	if v.DM {
		return v, "MethodNotAllowed"
	}
	return v, ""
}
