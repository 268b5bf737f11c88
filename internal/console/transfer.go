package console

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"

	"github.com/kurastore/kura/client"
)

// maxDeleteSelection bounds the keys one "delete selected" may name: a
// page's worth is all the browser can tick at once.
const maxDeleteSelection = 1000

// download streams an object, or its version versionId, to the browser
// as an attachment. It is always sent as application/octet-stream: an
// object's own Content-Type (text/html, image/svg+xml) must never be
// rendered in the console's origin, where its script would run with the
// user's session.
func (s *Server) download(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	bucket, key := r.PathValue("bucket"), q.Get("key")
	ctx, cancel := requestContext(r)
	defer cancel()
	obj, err := sess.client.GetObject(ctx, bucket, key, client.GetObjectOptions{VersionID: q.Get("versionId")})
	if err != nil {
		s.render(w, statusOf(err), "error", sess, page{Title: "Download", Error: "Downloading " + key + ": " + describe(err)})
		return
	}
	defer obj.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(key)}))
	h.Set("Content-Length", strconv.FormatInt(obj.Info.Size, 10))
	if _, err := io.Copy(w, obj); err != nil {
		s.cfg.Logger.Warn("console: download cut short", "bucket", bucket, "err", err)
	}
}

// deleteObjects deletes the ticked keys of a folder's page.
func (s *Server) deleteObjects(w http.ResponseWriter, r *http.Request, sess *session) {
	bucket := r.PathValue("bucket")
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	keys := r.PostForm["key"]
	back := "/browse/" + url.PathEscape(bucket) + "?prefix=" + url.QueryEscape(r.PostFormValue("prefix"))
	if len(keys) == 0 {
		sess.setNotice("No objects were selected.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if len(keys) > maxDeleteSelection {
		http.Error(w, fmt.Sprintf("at most %d objects may be deleted at once", maxDeleteSelection), http.StatusBadRequest)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	var failed []string
	err := sess.client.RemoveObjects(ctx, bucket, slices.Values(toDelete(keys)), client.RemoveObjectsOptions{})
	var partly *client.RemoveObjectsError
	switch {
	case err == nil:
	case !errors.As(err, &partly):
		failed = append(failed, describe(err))
	default:
		for _, derr := range partly.Failed {
			failed = append(failed, derr.Key+": "+derr.Code)
		}
		if partly.Err != nil {
			failed = append(failed, describe(partly.Err))
		}
	}
	if len(failed) > 0 {
		sess.setError(fmt.Sprintf("Deleted %d of %d objects; refused: %v", len(keys)-len(failed), len(keys), failed))
	} else {
		sess.setNotice(fmt.Sprintf("Deleted %d objects.", len(keys)))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func toDelete(keys []string) []client.ObjectToDelete {
	out := make([]client.ObjectToDelete, len(keys))
	for i, k := range keys {
		out[i] = client.ObjectToDelete{Key: k}
	}
	return out
}

// statusOf is the HTTP status of an S3 error, 400 for what the SDK
// refused to send (a key longer than S3 allows), 502 when the API did
// not answer.
func statusOf(err error) int {
	var e *client.ErrorResponse
	if errors.As(err, &e) && e.StatusCode != 0 {
		return e.StatusCode
	}
	if errors.Is(err, client.ErrInvalidArgument) {
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}
