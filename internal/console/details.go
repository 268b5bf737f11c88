package console

import (
	"net/http"
	"net/url"
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
	Info                client.ObjectInfo
	Metadata            []tag
	Tags                []tag
	// TagsError is why the tags could not be read (AccessDenied for a
	// user without s3:GetObjectTagging).
	TagsError string
	// BlankTags are the empty rows of the tag form.
	BlankTags []struct{}
}

// objectPage shows an object's attributes, user metadata and tags.
func (s *Server) objectPage(w http.ResponseWriter, r *http.Request, sess *session) {
	d := detailsData{Bucket: r.PathValue("bucket"), Key: r.URL.Query().Get("key")}
	if i := strings.LastIndexByte(d.Key, '/'); i >= 0 {
		d.Folder = d.Key[:i+1]
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	info, err := sess.client.StatObject(ctx, d.Bucket, d.Key, client.StatObjectOptions{})
	if err != nil {
		s.render(w, statusOf(err), "error", sess, page{Title: d.Key, Error: d.Key + ": " + describe(err)})
		return
	}
	d.Info = info
	d.Metadata = sortedTags(info.Metadata)
	tags, err := sess.client.GetObjectTags(ctx, d.Bucket, d.Key, client.ObjectTagsOptions{})
	if err != nil {
		d.TagsError = describe(err)
	}
	d.Tags = sortedTags(tags)
	d.BlankTags = make([]struct{}, max(0, min(2, maxTags-len(d.Tags))))
	p := page{Title: d.Key, Data: &d}
	sess.takeFlash(&p)
	s.render(w, http.StatusOK, "object", sess, p)
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
	bucket, key := r.PathValue("bucket"), r.PostFormValue("key")
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
	if len(tags) == 0 {
		err = sess.client.DeleteObjectTags(ctx, bucket, key, client.ObjectTagsOptions{})
	} else {
		err = sess.client.SetObjectTags(ctx, bucket, key, tags, client.ObjectTagsOptions{})
	}
	if err != nil {
		sess.setError("The tags were not saved: " + describe(err))
	} else {
		sess.setNotice("Saved the tags.")
	}
	http.Redirect(w, r, "/object/"+url.PathEscape(bucket)+"?key="+url.QueryEscape(key), http.StatusSeeOther)
}
