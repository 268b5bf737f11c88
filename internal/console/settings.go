package console

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/cors"
	"github.com/kurastore/kura/wire/lifecycle"
	"github.com/kurastore/kura/wire/notification"
	"github.com/kurastore/kura/wire/objectlock"
	"github.com/kurastore/kura/wire/policy"
	"github.com/kurastore/kura/wire/replication"
	"github.com/kurastore/kura/wire/sse"
	"github.com/kurastore/kura/wire/versioning"
)

// maxDocumentText bounds a document posted from the settings page: the
// largest S3 accepts (lifecycle, 64 KiB as XML) with room for
// indentation. A bucket policy is at most 20 KiB.
const maxDocumentText = 256 << 10

func (s *Server) settingsRoutes() {
	s.mux.HandleFunc("GET /settings/{bucket}", s.withSession(s.settingsPage))
	s.mux.HandleFunc("POST /settings/{bucket}/versioning", s.withSession(s.setVersioning))
	s.mux.HandleFunc("POST /settings/{bucket}/encryption", s.withSession(s.setEncryption))
	s.mux.HandleFunc("POST /settings/{bucket}/object-lock", s.withSession(s.setObjectLock))
	s.mux.HandleFunc("POST /settings/{bucket}/doc/{doc}", s.withSession(s.saveDocument))
	s.mux.HandleFunc("POST /settings/{bucket}/doc/{doc}/delete", s.withSession(s.deleteDocument))
}

// bucketDocument is a bucket configuration the settings page edits as
// text: the bucket policy as JSON, the others as their XML documents.
type bucketDocument struct {
	Name, Title string
	// get reads the document as the user and returns it as text to
	// edit; a document that was never set is "" with no error.
	get func(ctx context.Context, c *client.Client, bucket string) (string, error)
	// put parses text with the server's own parser, then stores it as
	// the user.
	put func(ctx context.Context, c *client.Client, bucket, text string) error
	del func(ctx context.Context, c *client.Client, bucket string) error
}

// bucketDocuments are the documents in the order the page shows them.
var bucketDocuments = []bucketDocument{
	{
		Name: "policy", Title: "Bucket policy",
		get: func(ctx context.Context, c *client.Client, bucket string) (string, error) {
			text, err := c.GetBucketPolicy(ctx, bucket)
			return indentJSON(text), notSet(err)
		},
		put: func(ctx context.Context, c *client.Client, bucket, text string) error {
			p, err := policy.Parse([]byte(text))
			if err == nil {
				err = p.ValidateForBucket(bucket)
			}
			if err != nil {
				return fmt.Errorf("the policy is not valid: %w", err)
			}
			return c.SetBucketPolicy(ctx, bucket, text)
		},
		del: func(ctx context.Context, c *client.Client, bucket string) error {
			return c.DeleteBucketPolicy(ctx, bucket)
		},
	},
	xmlDocument("cors", "CORS", (*client.Client).GetBucketCors, cors.Parse, (*client.Client).SetBucketCors, (*client.Client).DeleteBucketCors),
	xmlDocument("lifecycle", "Lifecycle", (*client.Client).GetBucketLifecycle, lifecycle.Parse, (*client.Client).SetBucketLifecycle, (*client.Client).DeleteBucketLifecycle),
	xmlDocument("notification", "Notifications", (*client.Client).GetBucketNotification, notification.Parse, (*client.Client).SetBucketNotification, (*client.Client).DeleteBucketNotification),
	xmlDocument("replication", "Replication", (*client.Client).GetBucketReplication, replication.Parse, (*client.Client).SetBucketReplication, (*client.Client).DeleteBucketReplication),
}

// xmlDocument is a bucket document edited as XML. The text is parsed by
// the wire package's parser (the server's), and the SDK validates it
// before sending it.
func xmlDocument[D any](name, title string,
	get func(*client.Client, context.Context, string) (D, error),
	parse func(io.Reader) (D, error),
	set func(*client.Client, context.Context, string, D) error,
	del func(*client.Client, context.Context, string) error,
) bucketDocument {
	return bucketDocument{
		Name: name, Title: title,
		get: func(ctx context.Context, c *client.Client, bucket string) (string, error) {
			doc, err := get(c, ctx, bucket)
			if err != nil {
				return "", notSet(err)
			}
			return indentXML(doc)
		},
		put: func(ctx context.Context, c *client.Client, bucket, text string) error {
			doc, err := parse(strings.NewReader(text))
			if err != nil {
				return fmt.Errorf("the document is not valid: %w", err)
			}
			return set(c, ctx, bucket, doc)
		},
		del: func(ctx context.Context, c *client.Client, bucket string) error { return del(c, ctx, bucket) },
	}
}

func findDocument(name string) (bucketDocument, bool) {
	for _, d := range bucketDocuments {
		if d.Name == name {
			return d, true
		}
	}
	return bucketDocument{}, false
}

// notSet drops the 404 of a configuration that was never set; a missing
// bucket stays an error.
func notSet(err error) error {
	if client.IsNotFound(err) && client.ErrorCode(err) != "NoSuchBucket" {
		return nil
	}
	return err
}

func indentXML(doc any) (string, error) {
	out, err := xml.MarshalIndent(doc, "", "  ")
	return string(out), err
}

// indentJSON indents a policy for editing; text that is not JSON is
// shown as it is.
func indentJSON(text string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(text), "", "  "); err != nil {
		return text
	}
	return buf.String()
}

// docSection is one document's part of the settings page.
type docSection struct {
	Name, Title, Text string
	Error             string
}

type settingsData struct {
	Bucket string
	// Versioning is Enabled, Suspended or "" (never enabled).
	Versioning, VersioningError string
	// Encryption is "", sse.AES256 or sse.KMS.
	Encryption, KMSKeyID, EncryptionError string
	// ObjectLock says the bucket has object lock; LockMode, LockDays
	// and LockYears are its default retention.
	ObjectLock          bool
	LockMode            string
	LockDays, LockYears int
	LockError           string
	Documents           []docSection
}

// loadSettings reads every setting as the user; each refusal stays in
// its section.
func loadSettings(ctx context.Context, c *client.Client, bucket string) (*settingsData, error) {
	d := &settingsData{Bucket: bucket}
	v, err := c.GetBucketVersioning(ctx, bucket)
	switch {
	case client.ErrorCode(err) == "NoSuchBucket":
		return nil, err
	case err != nil:
		d.VersioningError = describe(err)
	default:
		d.Versioning = v.Status
	}
	enc, err := c.GetBucketEncryption(ctx, bucket)
	switch {
	case notSet(err) != nil:
		d.EncryptionError = describe(err)
	case err == nil && len(enc.Rules) > 0 && enc.Rules[0].Default != nil:
		d.Encryption, d.KMSKeyID = enc.Rules[0].Default.Algorithm, enc.Rules[0].Default.KMSMasterKeyID
	}
	lock, err := c.GetObjectLockConfig(ctx, bucket)
	switch {
	case client.ErrorCode(err) == "ObjectLockConfigurationNotFoundError":
	case err != nil:
		d.LockError = describe(err)
	default:
		d.ObjectLock = lock.ObjectLockEnabled == objectlock.Enabled
		if lock.Rule != nil {
			r := lock.Rule.DefaultRetention
			d.LockMode, d.LockDays, d.LockYears = r.Mode, r.Days, r.Years
		}
	}
	for _, doc := range bucketDocuments {
		sec := docSection{Name: doc.Name, Title: doc.Title}
		text, err := doc.get(ctx, c, bucket)
		if err != nil {
			sec.Error = describe(err)
		}
		sec.Text = text
		d.Documents = append(d.Documents, sec)
	}
	return d, nil
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	p := page{}
	sess.takeFlash(&p)
	s.renderSettings(w, r, sess, http.StatusOK, p, nil)
}

// renderSettings shows the settings page; edit, when set, replaces what
// was read for one section: the text the user posted and why it was
// refused.
func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, sess *session, status int, p page, edit *docSection) {
	bucket := r.PathValue("bucket")
	ctx, cancel := requestContext(r)
	defer cancel()
	d, err := loadSettings(ctx, sess.client, bucket)
	if err != nil {
		s.render(w, statusOf(err), "error", sess, page{Title: bucket, Error: bucket + ": " + describe(err)})
		return
	}
	if edit != nil {
		for i := range d.Documents {
			if d.Documents[i].Name == edit.Name {
				d.Documents[i].Text, d.Documents[i].Error = edit.Text, edit.Error
			}
		}
	}
	p.Title, p.Data = "Settings of "+bucket, d
	s.render(w, status, "settings", sess, p)
}

func settingsURL(bucket string) string { return "/settings/" + url.PathEscape(bucket) }

// settingSaved reports the outcome of a setting and goes back to the page.
func settingSaved(w http.ResponseWriter, r *http.Request, sess *session, what string, err error) {
	if err != nil {
		sess.setError(what + " was not saved: " + describe(err))
	} else {
		sess.setNotice(what + " saved.")
	}
	http.Redirect(w, r, settingsURL(r.PathValue("bucket")), http.StatusSeeOther)
}

func (s *Server) setVersioning(w http.ResponseWriter, r *http.Request, sess *session) {
	status := r.PostFormValue("status")
	if status != versioning.Enabled && status != versioning.Suspended {
		http.Error(w, "status must be Enabled or Suspended", http.StatusBadRequest)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.client.SetBucketVersioning(ctx, r.PathValue("bucket"), &versioning.Configuration{Status: status})
	settingSaved(w, r, sess, "Versioning", err)
}

func (s *Server) setEncryption(w http.ResponseWriter, r *http.Request, sess *session) {
	bucket := r.PathValue("bucket")
	ctx, cancel := requestContext(r)
	defer cancel()
	var err error
	switch r.PostFormValue("algorithm") {
	case "":
		err = notSet(sess.client.DeleteBucketEncryption(ctx, bucket))
	case sse.AES256:
		err = sess.client.SetBucketEncryption(ctx, bucket, sse.NewAES256())
	case sse.KMS:
		err = sess.client.SetBucketEncryption(ctx, bucket, sse.NewKMS(strings.TrimSpace(r.PostFormValue("kmsKeyId"))))
	default:
		http.Error(w, "unknown encryption", http.StatusBadRequest)
		return
	}
	settingSaved(w, r, sess, "Default encryption", err)
}

// setObjectLock sets a bucket's default retention, or removes it (mode
// none); object lock itself cannot be turned off.
func (s *Server) setObjectLock(w http.ResponseWriter, r *http.Request, sess *session) {
	cfg := &objectlock.Configuration{ObjectLockEnabled: objectlock.Enabled}
	if mode := r.PostFormValue("mode"); mode != "" {
		days, derr := optionalInt(r.PostFormValue("days"))
		years, yerr := optionalInt(r.PostFormValue("years"))
		if derr != nil || yerr != nil {
			sess.setError("Default retention was not saved: days and years must be whole numbers.")
			http.Redirect(w, r, settingsURL(r.PathValue("bucket")), http.StatusSeeOther)
			return
		}
		cfg.Rule = &objectlock.Rule{DefaultRetention: objectlock.DefaultRetention{Mode: mode, Days: days, Years: years}}
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	settingSaved(w, r, sess, "Default retention", sess.client.SetObjectLockConfig(ctx, r.PathValue("bucket"), cfg))
}

func optionalInt(s string) (int, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	return strconv.Atoi(s)
}

// saveDocument stores a document posted from the page. A document the
// parser or the server refuses is shown again, as typed, with the
// reason.
func (s *Server) saveDocument(w http.ResponseWriter, r *http.Request, sess *session) {
	doc, ok := findDocument(r.PathValue("doc"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxDocumentText+4096)
	text := r.PostFormValue("document")
	if len(text) > maxDocumentText {
		http.Error(w, fmt.Sprintf("a document may have at most %d bytes", maxDocumentText), http.StatusRequestEntityTooLarge)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if err := doc.put(ctx, sess.client, r.PathValue("bucket"), text); err != nil {
		edit := &docSection{Name: doc.Name, Text: text, Error: describe(err)}
		s.renderSettings(w, r, sess, http.StatusBadRequest, page{Error: doc.Title + " was not saved."}, edit)
		return
	}
	settingSaved(w, r, sess, doc.Title, nil)
}

func (s *Server) deleteDocument(w http.ResponseWriter, r *http.Request, sess *session) {
	doc, ok := findDocument(r.PathValue("doc"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if err := doc.del(ctx, sess.client, r.PathValue("bucket")); err != nil {
		sess.setError(doc.Title + " was not deleted: " + describe(err))
	} else {
		sess.setNotice(doc.Title + " deleted.")
	}
	http.Redirect(w, r, settingsURL(r.PathValue("bucket")), http.StatusSeeOther)
}
