package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kurastore/kura/client"
)

// maxTags is S3's limit of tags on one object; the form offers that many
// rows at most.
const maxTags = 10

type tag struct{ Key, Value string }

type detailsData struct {
	Bucket, Key, Folder string
	// VersionID is the version asked for ("" for the current one).
	VersionID string
	// Info is the version shown; zero when the key's current version is
	// a delete marker.
	Info client.ObjectInfo
	// Versions are the key's versions and delete markers, newest first.
	Versions versionList
	// Lock is the shown version's retention and legal hold.
	Lock     lockState
	Metadata []tag
	Tags     []tag
	// TagsError is why the tags could not be read (AccessDenied for a
	// user without s3:GetObjectTagging).
	TagsError string
	// BlankTags are the empty rows of the tag form.
	BlankTags []struct{}
}

// objectPage shows an object's attributes, user metadata and tags.
func (s *Server) objectPage(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	d := detailsData{Bucket: r.PathValue("bucket"), Key: q.Get("key"), VersionID: q.Get("versionId")}
	if i := strings.LastIndexByte(d.Key, '/'); i >= 0 {
		d.Folder = d.Key[:i+1]
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	p := page{Title: d.Key, Data: &d}
	sess.takeFlash(&p)
	d.Versions = listVersions(ctx, sess.client, d.Bucket, d.Key)
	info, err := sess.client.StatObject(ctx, d.Bucket, d.Key, client.StatObjectOptions{VersionID: d.VersionID})
	if err != nil {
		// A key whose current version is a delete marker still has
		// versions to see, restore or delete.
		if d.VersionID != "" || len(d.Versions.Versions) == 0 {
			s.render(w, statusOf(err), "error", sess, page{Title: d.Key, Error: d.Key + ": " + describe(err)})
			return
		}
		p.Error = joinErrors(p.Error, "The current version of "+d.Key+" is a delete marker: restore or delete a version below.")
		s.render(w, http.StatusOK, "object", sess, p)
		return
	}
	d.Info = info
	d.Metadata = sortedTags(info.Metadata)
	d.Lock = readLock(ctx, sess.client, d.Bucket, d.Key, d.VersionID)
	tags, err := sess.client.GetObjectTags(ctx, d.Bucket, d.Key, client.ObjectTagsOptions{VersionID: d.VersionID})
	if err != nil {
		d.TagsError = describe(err)
	}
	d.Tags = sortedTags(tags)
	d.BlankTags = make([]struct{}, max(0, min(2, maxTags-len(d.Tags))))
	s.render(w, http.StatusOK, "object", sess, p)
}

// joinErrors puts b after a, either may be empty.
func joinErrors(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

func sortedTags(m map[string]string) []tag {
	out := make([]tag, 0, len(m))
	for k, v := range m {
		out = append(out, tag{k, v})
	}
	slices.SortFunc(out, func(a, b tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// setTags replaces the object's tags with the form's rows (tagKey and
// tagValue, in pairs; rows with an empty key are dropped).
func (s *Server) setTags(w http.ResponseWriter, r *http.Request, sess *session) {
	bucket, key, versionID := r.PathValue("bucket"), r.PostFormValue("key"), r.PostFormValue("versionId")
	keys, values := r.PostForm["tagKey"], r.PostForm["tagValue"]
	tags := map[string]string{}
	for i, k := range keys {
		if k = strings.TrimSpace(k); k != "" && i < len(values) {
			tags[k] = values[i]
		}
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	var err error
	opts := client.ObjectTagsOptions{VersionID: versionID}
	if len(tags) == 0 {
		err = sess.client.DeleteObjectTags(ctx, bucket, key, opts)
	} else {
		err = sess.client.SetObjectTags(ctx, bucket, key, tags, opts)
	}
	if err != nil {
		sess.setError("The tags were not saved: " + describe(err))
	} else {
		sess.setNotice("Saved the tags.")
	}
	http.Redirect(w, r, objectURL(bucket, key, versionID), http.StatusSeeOther)
}
