package modeltest

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/object"
)

// version is one version of a key as the model knows it.
type version struct {
	VID   string // "" in a bucket that was never versioned
	DM    bool   // delete marker
	ETag  string
	Size  int64
	Parts int    // PartsCount of a multipart object
	Meta  string // the x-amz-meta-n value
	Tags  map[string]string
	Ret   object.Retention
	Hold  bool
	// PartSizes are the part sizes of a multipart object (nil when not
	// known: a copy of another worker's key). Upload and PartETags name
	// the upload that made it and its part list, for a retried Complete.
	PartSizes []int64
	Upload    string
	PartETags []string
	SSE       string // object.SSES3 or ""
}

func (v version) clone() version {
	v.Tags = maps.Clone(v.Tags)
	v.PartSizes = slices.Clone(v.PartSizes)
	v.PartETags = slices.Clone(v.PartETags)
	return v
}

// upload is an unfinished multipart upload.
type upload struct {
	ID, Key   string
	SSE       string
	Meta      string
	Tags      map[string]string
	Initiated time.Time
	Parts     map[int]part
}

type part struct {
	ETag string
	Size int64
}

func (u *upload) clone() *upload {
	c := *u
	c.Tags = maps.Clone(u.Tags)
	c.Parts = maps.Clone(u.Parts)
	return &c
}

// bucketModel is the model of one worker's bucket: what a sequential,
// correct object layer would hold.
type bucketModel struct {
	Name       string
	Versioning string // "", object.VersioningEnabled or object.VersioningSuspended
	Lock       bool
	// Excluded are the prefixes of keys that an Enabled bucket does not
	// version: they get the null version, as in a suspended bucket.
	Excluded []string
	// Keys holds each key's versions, newest first. A never-versioned
	// bucket holds at most one, with VID "".
	Keys map[string][]version
	// Uploads are the unfinished multipart uploads by id.
	Uploads map[string]*upload
}

func (b *bucketModel) clone() *bucketModel {
	c := *b
	c.Keys = make(map[string][]version, len(b.Keys))
	for k, vs := range b.Keys {
		cv := make([]version, len(vs))
		for i, v := range vs {
			cv[i] = v.clone()
		}
		c.Keys[k] = cv
	}
	c.Uploads = make(map[string]*upload, len(b.Uploads))
	for id, u := range b.Uploads {
		c.Uploads[id] = u.clone()
	}
	return &c
}

// latest returns the current object of key: its newest version unless
// that is a delete marker.
func (b *bucketModel) latest(key string) (version, bool) {
	vs := b.Keys[key]
	if len(vs) == 0 || vs[0].DM {
		return version{}, false
	}
	return vs[0], true
}

// find returns the index of version vid of key.
func (b *bucketModel) find(key, vid string) int {
	return slices.IndexFunc(b.Keys[key], func(v version) bool { return v.VID == vid })
}

// latestETag is what a GET of key returns: its ETag, or "" when absent.
func (b *bucketModel) latestETag(key string) string {
	if v, ok := b.latest(key); ok {
		return v.ETag
	}
	return ""
}

// versionsKey reports whether a write to key makes a new version (rather
// than replacing the null version or the only one).
func (b *bucketModel) versionsKey(key string) bool {
	if b.Versioning != object.VersioningEnabled {
		return false
	}
	for _, p := range b.Excluded {
		if strings.HasPrefix(key, p) {
			return false
		}
	}
	return true
}

// write makes v the newest version of key, as a PUT, a completed upload
// or a copy does; v.VID is what the layer returned.
func (b *bucketModel) write(key string, v version) {
	switch {
	case b.Versioning == "":
		v.VID = ""
		b.Keys[key] = []version{v}
	case b.versionsKey(key):
		b.Keys[key] = append([]version{v}, b.Keys[key]...)
	default: // Suspended or excluded: the write replaces the null version.
		v.VID = object.NullVersion
		b.dropNull(key)
		b.Keys[key] = append([]version{v}, b.Keys[key]...)
	}
}

func (b *bucketModel) dropNull(key string) {
	if i := b.find(key, object.NullVersion); i >= 0 {
		b.remove(key, i)
	}
}

func (b *bucketModel) remove(key string, i int) {
	vs := slices.Delete(b.Keys[key], i, i+1)
	if len(vs) == 0 {
		delete(b.Keys, key)
		return
	}
	b.Keys[key] = vs
}

// deletable says whether version v may be deleted for good at now.
func deletable(v version, bypass bool, now time.Time) bool {
	if v.Hold {
		return false
	}
	if v.Ret.Mode == "" || !now.Before(v.Ret.RetainUntil) {
		return true
	}
	return v.Ret.Mode == object.LockGovernance && bypass
}

// deleteOutcome is what the model says a delete does.
type deleteOutcome struct {
	refused bool // AccessDenied: a locked version
	marker  bool // a delete marker is made (its VID comes from the layer)
	result  object.DeleteResult
}

// predictDelete says what deleting key (version vid) does, without doing
// it.
func (b *bucketModel) predictDelete(key, vid string, bypass bool, now time.Time) deleteOutcome {
	if vid == "" {
		if b.Versioning == "" {
			return deleteOutcome{}
		}
		return deleteOutcome{marker: true, result: object.DeleteResult{DeleteMarker: true}}
	}
	i := b.find(key, vid)
	if i < 0 {
		return deleteOutcome{result: object.DeleteResult{VersionID: vid}}
	}
	v := b.Keys[key][i]
	out := deleteOutcome{result: object.DeleteResult{VersionID: vid, DeleteMarker: v.DM}}
	out.refused = !deletable(v, bypass, now)
	return out
}

// applyDelete applies a delete the layer acknowledged; markerVID is the
// id of the delete marker it made.
func (b *bucketModel) applyDelete(key, vid string, out deleteOutcome, markerVID string) {
	switch {
	case out.refused:
	case vid == "" && b.Versioning == "":
		delete(b.Keys, key)
	case vid == "":
		if !b.versionsKey(key) {
			b.dropNull(key)
			markerVID = object.NullVersion
		}
		b.Keys[key] = append([]version{{VID: markerVID, DM: true}}, b.Keys[key]...)
	default:
		if i := b.find(key, vid); i >= 0 {
			b.remove(key, i)
		}
	}
}

// setVersioning applies a versioning change the layer acknowledged. The
// first one makes every existing object the null version of its key.
func (b *bucketModel) setVersioning(status string, excluded []string) {
	b.Excluded = excluded
	if b.Versioning == "" {
		for k, vs := range b.Keys {
			for i := range vs {
				vs[i].VID = object.NullVersion
			}
			b.Keys[k] = vs
		}
	}
	b.Versioning = status
}

// target returns the version a metadata operation (tags, retention,
// legal hold) with version id vid acts on, or false when it fails.
func (b *bucketModel) target(key, vid string) (int, bool) {
	if vid == "" {
		if _, ok := b.latest(key); !ok {
			return -1, false
		}
		return 0, true
	}
	i := b.find(key, vid)
	if i < 0 || b.Keys[key][i].DM {
		return -1, false
	}
	return i, true
}

// retentionChangeAllowed follows S3: an active COMPLIANCE retention can
// only be extended; GOVERNANCE can be weakened only with the bypass.
func retentionChangeAllowed(cur, next object.Retention, bypass bool, now time.Time) bool {
	if cur.Mode == "" || !now.Before(cur.RetainUntil) {
		return true
	}
	weaker := next.Mode == "" || next.RetainUntil.Before(cur.RetainUntil) || next.Mode != cur.Mode
	return !weaker || (cur.Mode == object.LockGovernance && bypass)
}

// contents maps an ETag to the bytes it names. Every write carries a
// unique prefix, so one ETag names one content.
type contents struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *contents) add(etag string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[etag] = data
}

func (c *contents) get(etag string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.m[etag]
	return d, ok
}
