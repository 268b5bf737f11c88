package modeltest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kurastore/kura/internal/object"
)

// checkBucket compares everything the layer shows of bucket m.Name with
// the model: versioning, listings (paged by page, with and without a
// delimiter and a prefix), the version listing, and every version read
// back with its metadata, tags and lock. It returns the differences.
func checkBucket(ctx context.Context, l *object.Layer, c *contents, m *bucketModel, page int) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	if v, err := l.BucketVersioning(ctx, m.Name); err != nil || v != m.Versioning {
		bad("versioning %q (%v), model %q", v, err, m.Versioning)
	}
	sorted := slices.Sorted(maps.Keys(m.Keys))

	// Plain listings.
	for _, lo := range []object.ListOptions{{}, {Delimiter: "/"}, {Prefix: "d/"}, {Prefix: "e/", Delimiter: "/"}} {
		var wantObjs, wantPrefixes []string
		for _, k := range sorted {
			v, ok := m.latest(k)
			if !ok || !strings.HasPrefix(k, lo.Prefix) {
				continue
			}
			rest := k[len(lo.Prefix):]
			if i := strings.Index(rest, lo.Delimiter); lo.Delimiter != "" && i >= 0 {
				p := lo.Prefix + rest[:i+1]
				if !slices.Contains(wantPrefixes, p) {
					wantPrefixes = append(wantPrefixes, p)
				}
				continue
			}
			wantObjs = append(wantObjs, fmt.Sprintf("%s:%s:%d", k, v.ETag, v.Size))
		}
		var gotObjs, gotPrefixes []string
		lo.MaxKeys = page
		for pages := 0; ; pages++ {
			res, err := l.ListObjects(ctx, m.Name, lo)
			if err != nil {
				bad("list %+v: %v", lo, err)
				break
			}
			for _, o := range res.Objects {
				gotObjs = append(gotObjs, fmt.Sprintf("%s:%s:%d", o.Key, o.ETag, o.Size))
			}
			gotPrefixes = append(gotPrefixes, res.CommonPrefixes...)
			if !res.IsTruncated {
				break
			}
			if pages > 100 || res.NextAfter <= lo.After {
				bad("list %+v: truncated page does not advance (next %q)", lo, res.NextAfter)
				break
			}
			lo.After = res.NextAfter
		}
		lo.After = ""
		if !slices.Equal(gotObjs, wantObjs) || !slices.Equal(gotPrefixes, wantPrefixes) {
			bad("list %+v: objects %v prefixes %v, model %v %v", lo, gotObjs, gotPrefixes, wantObjs, wantPrefixes)
		}
	}

	// The version listing: keys in order, each newest first; whole, by
	// prefix, and with a delimiter.
	for _, vo := range []object.VersionListOptions{{}, {Prefix: "d/"}, {Delimiter: "/"}, {Prefix: "e/", Delimiter: "/"}} {
		var want, wantPrefixes []string
		for _, k := range sorted {
			if !strings.HasPrefix(k, vo.Prefix) {
				continue
			}
			rest := k[len(vo.Prefix):]
			if i := strings.Index(rest, vo.Delimiter); vo.Delimiter != "" && i >= 0 {
				if p := vo.Prefix + rest[:i+1]; !slices.Contains(wantPrefixes, p) {
					wantPrefixes = append(wantPrefixes, p)
				}
				continue
			}
			for i, v := range m.Keys[k] {
				vid := v.VID
				if vid == "" {
					vid = object.NullVersion
				}
				want = append(want, fmt.Sprintf("%s@%s dm=%v latest=%v %s", k, vid, v.DM, i == 0, v.ETag))
			}
		}
		var got, gotPrefixes []string
		vo.MaxKeys = page
		for pages := 0; ; pages++ {
			res, err := l.ListObjectVersions(ctx, m.Name, vo)
			if err != nil {
				bad("list versions %+v: %v", vo, err)
				break
			}
			for _, o := range res.Versions {
				etag := o.ETag
				if o.IsDeleteMarker {
					etag = ""
				}
				got = append(got, fmt.Sprintf("%s@%s dm=%v latest=%v %s", o.Key, o.VersionID, o.IsDeleteMarker, o.IsLatest, etag))
			}
			gotPrefixes = append(gotPrefixes, res.CommonPrefixes...)
			if !res.IsTruncated {
				break
			}
			if pages > 200 {
				bad("list versions %+v: does not end", vo)
				break
			}
			vo.KeyMarker, vo.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
		}
		if !slices.Equal(got, want) || !slices.Equal(gotPrefixes, wantPrefixes) {
			vo.KeyMarker, vo.VersionIDMarker = "", ""
			bad("versions %+v:\n  layer %v %v\n  model %v %v", vo, got, gotPrefixes, want, wantPrefixes)
		}
	}

	// Unfinished uploads and their parts.
	var wantUps, gotUps []string
	for _, u := range m.Uploads {
		wantUps = append(wantUps, u.Key+" "+u.ID)
	}
	slices.Sort(wantUps)
	uo := object.ListUploadsOptions{MaxUploads: page}
	for pages := 0; ; pages++ {
		res, err := l.ListMultipartUploads(ctx, m.Name, uo)
		if err != nil {
			bad("list uploads: %v", err)
			break
		}
		for _, u := range res.Uploads {
			gotUps = append(gotUps, u.Key+" "+u.UploadID)
		}
		if !res.IsTruncated {
			break
		}
		if pages > 100 {
			bad("list uploads: does not end")
			break
		}
		uo.KeyMarker, uo.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	if !slices.Equal(gotUps, wantUps) {
		bad("uploads %v, model %v", gotUps, wantUps)
	}
	for _, u := range m.Uploads {
		var want, got []string
		for _, n := range slices.Sorted(maps.Keys(u.Parts)) {
			want = append(want, fmt.Sprintf("%d:%s:%d", n, u.Parts[n].ETag, u.Parts[n].Size))
		}
		res, err := l.ListParts(ctx, m.Name, u.Key, u.ID, 0, 0)
		if err != nil {
			bad("list parts of %s %s: %v", u.Key, u.ID, err)
			continue
		}
		for _, p := range res.Parts {
			got = append(got, fmt.Sprintf("%d:%s:%d", p.Number, p.ETag, p.Size))
		}
		if !slices.Equal(got, want) || res.Upload.Attrs.UserMeta["n"] != u.Meta {
			bad("upload %s %s: parts %v meta %q, model %v %q", u.Key, u.ID, got, res.Upload.Attrs.UserMeta["n"], want, u.Meta)
		}
	}

	// The usage counters.
	want := object.BucketUsage{Bucket: m.Name}
	for _, vs := range m.Keys {
		for i, v := range vs {
			if i == 0 && !v.DM {
				want.Objects++
			}
			want.Versions++
			if v.DM {
				want.DeleteMarkers++
			} else {
				want.Bytes += v.Size
			}
		}
	}
	for _, u := range m.Uploads {
		want.Uploads++
		for _, p := range u.Parts {
			want.UploadParts++
			want.UploadBytes += p.Size
		}
	}
	if got, err := l.BucketUsage(ctx, m.Name); err != nil || got != want {
		bad("usage %+v (%v), model %+v", got, err, want)
	}

	// Every version, read back.
	for _, k := range sorted {
		for i, v := range m.Keys[k] {
			if v.DM {
				continue
			}
			vid := v.VID
			if m.Versioning == "" {
				vid = ""
			}
			if p := checkVersion(ctx, l, c, m, k, vid, v, i == 0); p != "" {
				bad("%s", p)
			}
		}
	}
	return probs
}

// checkVersion reads one version and compares it with the model.
func checkVersion(ctx context.Context, l *object.Layer, c *contents, m *bucketModel, key, vid string, v version, latest bool) string {
	where := fmt.Sprintf("%s/%s@%s", m.Name, key, vid)
	obj, err := l.GetObject(ctx, m.Name, key, object.GetOptions{VersionID: vid})
	if err != nil {
		return fmt.Sprintf("get %s: %v (model has %s, %d bytes)", where, err, v.ETag, v.Size)
	}
	data, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil {
		return fmt.Sprintf("read %s: %v", where, err)
	}
	if p := compareInfo(obj.Info, v, m); p != "" {
		return where + ": " + p
	}
	if want, ok := c.get(v.ETag); !ok || !bytes.Equal(data, want) {
		return fmt.Sprintf("%s: %d bytes read differ from the %d written with ETag %s", where, len(data), len(want), v.ETag)
	}
	tags, _, err := l.GetObjectTags(ctx, m.Name, key, vid)
	if err != nil || !sameTags(tags, v.Tags) {
		return fmt.Sprintf("%s: tags %v (%v), model %v", where, tags, err, v.Tags)
	}
	if m.Lock {
		state, err := l.ObjectLockState(ctx, m.Name, key, vid)
		ret, hold := state.Retention, state.LegalHold
		if err != nil || !sameRetention(ret, v.Ret) || hold != v.Hold {
			return fmt.Sprintf("%s: lock %+v hold %v (%v), model %+v %v", where, ret, hold, err, v.Ret, v.Hold)
		}
	}
	return ""
}

// compareInfo compares what a GET says of a version with the model.
func compareInfo(info object.ObjectInfo, v version, m *bucketModel) string {
	wantVID := v.VID
	if info.ETag != v.ETag || info.Size != v.Size || info.PartsCount != v.Parts || info.UserMeta["n"] != v.Meta || info.VersionID != wantVID || info.SSE.Type != v.SSE {
		return fmt.Sprintf("info etag %s size %d parts %d meta %q vid %q sse %q, model etag %s size %d parts %d meta %q vid %q sse %q",
			info.ETag, info.Size, info.PartsCount, info.UserMeta["n"], info.VersionID, info.SSE.Type, v.ETag, v.Size, v.Parts, v.Meta, wantVID, v.SSE)
	}
	return ""
}

func sameTags(a, b map[string]string) bool {
	return len(a) == len(b) && maps.Equal(a, b)
}

func sameRetention(a, b object.Retention) bool {
	return a.Mode == b.Mode && a.RetainUntil.Equal(b.RetainUntil)
}
