package console

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/objectlock"
)

// maxVersionsShown bounds the versions the object page lists: a key
// rewritten every minute has thousands, and the page shows the newest.
const maxVersionsShown = 100

// retainUntilLayout is the value of an <input type="datetime-local">,
// read and shown as UTC.
const retainUntilLayout = "2006-01-02T15:04"

func (s *Server) versionRoutes() {
	s.mux.HandleFunc("POST /object/{bucket}/restore", s.withSession(s.restoreVersion))
	s.mux.HandleFunc("POST /object/{bucket}/versions/delete", s.withSession(s.deleteVersion))
	s.mux.HandleFunc("POST /object/{bucket}/retention", s.withSession(s.setRetention))
	s.mux.HandleFunc("POST /object/{bucket}/legal-hold", s.withSession(s.setLegalHold))
}

// versionList is the versions of one key, newest first.
type versionList struct {
	Versions []client.ObjectInfo
	// More says the key has more versions than the page lists.
	More  bool
	Error string
}

// listVersions lists the versions and delete markers of exactly key:
// ListObjectVersions with the key as prefix also yields longer keys,
// which sort after it and end the list.
func listVersions(ctx context.Context, c *client.Client, bucket, key string) versionList {
	var l versionList
	opts := client.ListObjectsOptions{Prefix: key, Recursive: true, IncludeVersion: true, MaxKeys: maxVersionsShown + 1}
	for o, err := range c.ListObjects(ctx, bucket, opts) {
		if err != nil {
			l.Error = describe(err)
			break
		}
		if o.Key != key {
			break
		}
		if len(l.Versions) == maxVersionsShown {
			l.More = true
			break
		}
		l.Versions = append(l.Versions, o)
	}
	return l
}

// lockState is the object lock of the version shown.
type lockState struct {
	// Enabled says the bucket has object lock; without it S3 refuses
	// retention and legal holds.
	Enabled bool
	// Mode and Until are the version's retention ("" and zero without
	// one).
	Mode  string
	Until time.Time
	// LegalHold says the version has a legal hold.
	LegalHold bool
	Error     string
}

// UntilInput is Until as the retention form's input shows it.
func (l lockState) UntilInput() string {
	if l.Until.IsZero() {
		return ""
	}
	return l.Until.UTC().Format(retainUntilLayout)
}

// readLock reads the bucket's object lock and the version's retention
// and legal hold, as the user.
func readLock(ctx context.Context, c *client.Client, bucket, key, versionID string) lockState {
	var l lockState
	if _, err := c.GetObjectLockConfig(ctx, bucket); err != nil {
		if client.ErrorCode(err) != "ObjectLockConfigurationNotFoundError" {
			l.Error = describe(err)
		}
		return l
	}
	l.Enabled = true
	opts := client.ObjectLockOptions{VersionID: versionID}
	ret, err := c.GetObjectRetention(ctx, bucket, key, opts)
	switch {
	case err == nil:
		l.Mode, l.Until = ret.Mode, ret.RetainUntilDate
	case client.ErrorCode(err) != "NoSuchObjectLockConfiguration":
		l.Error = "Retention: " + describe(err)
		return l
	}
	hold, err := c.IsObjectLegalHoldEnabled(ctx, bucket, key, opts)
	if err != nil {
		l.Error = "Legal hold: " + describe(err)
		return l
	}
	l.LegalHold = hold
	return l
}

// objectURL is the object page of key, of one version when versionID is
// set.
func objectURL(bucket, key, versionID string) string {
	q := url.Values{"key": {key}}
	if versionID != "" {
		q.Set("versionId", versionID)
	}
	return "/object/" + url.PathEscape(bucket) + "?" + q.Encode()
}

// restoreVersion makes an older version current again: a server-side
// copy of that version onto the same key, which S3 stores as the newest
// version. The older version itself stays.
func (s *Server) restoreVersion(w http.ResponseWriter, r *http.Request, sess *session) {
	bucket, key, versionID := r.PathValue("bucket"), r.PostFormValue("key"), r.PostFormValue("versionId")
	if versionID == "" {
		http.Error(w, "versionId is required", http.StatusBadRequest)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	info, err := sess.client.CopyObject(ctx,
		client.CopyDestOptions{Bucket: bucket, Key: key},
		client.CopySrcOptions{Bucket: bucket, Key: key, VersionID: versionID})
	if err != nil {
		sess.setError("Version " + versionID + " was not restored: " + describe(err))
	} else {
		sess.setNotice("Restored version " + versionID + " as the current version " + info.VersionID + ".")
	}
	http.Redirect(w, r, objectURL(bucket, key, ""), http.StatusSeeOther)
}

// deleteVersion deletes one version (or delete marker) for good.
// Bypassing a governance retention only sends the header: the server
// decides whether the user may.
func (s *Server) deleteVersion(w http.ResponseWriter, r *http.Request, sess *session) {
	bucket, key, versionID := r.PathValue("bucket"), r.PostFormValue("key"), r.PostFormValue("versionId")
	if versionID == "" {
		http.Error(w, "versionId is required", http.StatusBadRequest)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	opts := client.RemoveObjectOptions{VersionID: versionID, BypassGovernance: r.PostFormValue("bypass") == "on"}
	if err := sess.client.RemoveObject(ctx, bucket, key, opts); err != nil {
		sess.setError("Version " + versionID + " was not deleted: " + describe(err))
	} else {
		sess.setNotice("Deleted version " + versionID + ".")
	}
	http.Redirect(w, r, objectURL(bucket, key, ""), http.StatusSeeOther)
}

// setRetention sets, extends or (with a governance bypass the server
// allows) shortens or removes a version's retention.
func (s *Server) setRetention(w http.ResponseWriter, r *http.Request, sess *session) {
	bucket, key, versionID := r.PathValue("bucket"), r.PostFormValue("key"), r.PostFormValue("versionId")
	back := objectURL(bucket, key, versionID)
	ret := &objectlock.Retention{Mode: r.PostFormValue("mode")}
	if ret.Mode != "" {
		until, err := time.Parse(retainUntilLayout, r.PostFormValue("until"))
		if err != nil {
			sess.setError("The retention was not saved: the date to retain until is missing or not a date.")
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		ret.RetainUntilDate = until
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	opts := client.ObjectLockOptions{VersionID: versionID, BypassGovernance: r.PostFormValue("bypass") == "on"}
	if err := sess.client.SetObjectRetention(ctx, bucket, key, ret, opts); err != nil {
		sess.setError("The retention was not saved: " + describe(err))
	} else {
		sess.setNotice("Saved the retention.")
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// setLegalHold puts a legal hold on a version or lifts it.
func (s *Server) setLegalHold(w http.ResponseWriter, r *http.Request, sess *session) {
	bucket, key, versionID := r.PathValue("bucket"), r.PostFormValue("key"), r.PostFormValue("versionId")
	ctx, cancel := requestContext(r)
	defer cancel()
	opts := client.ObjectLockOptions{VersionID: versionID}
	var err error
	if r.PostFormValue("status") == objectlock.On {
		err = sess.client.EnableObjectLegalHold(ctx, bucket, key, opts)
	} else {
		err = sess.client.DisableObjectLegalHold(ctx, bucket, key, opts)
	}
	if err != nil {
		sess.setError("The legal hold was not changed: " + describe(err))
	} else {
		sess.setNotice("Changed the legal hold.")
	}
	http.Redirect(w, r, objectURL(bucket, key, versionID), http.StatusSeeOther)
}
