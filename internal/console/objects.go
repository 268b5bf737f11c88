package console

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kurastore/kura/client"
)

// folder is one level of the path shown above a listing.
type folder struct {
	Name, Prefix string
}

type objectsData struct {
	Bucket string
	// Folder is the prefix whose level is listed ("" for the bucket's
	// top); Search narrows the level to names that start with it.
	Folder, Search string
	Crumbs         []folder
	Entries        []client.ObjectInfo
	// Next is where the next page starts ("" on the last page); NotFirst
	// says this page is not the first.
	Next     string
	NotFirst bool
	// Sort is the column the page is sorted by (name, size or
	// modified) and Order asc or desc.
	Sort, Order string
	// PartSize is the size of the parts of a large upload.
	PartSize int64
}

func (s *Server) objectsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	d := objectsData{Bucket: r.PathValue("bucket"), Folder: q.Get("prefix"), Search: q.Get("search"), PartSize: s.cfg.UploadPartSize}
	d.Sort, d.Order = sortOf(q.Get("sort"), q.Get("order"))
	d.Crumbs = crumbs(d.Folder)
	after := q.Get("after")
	d.NotFirst = after != ""
	ctx, cancel := requestContext(r)
	defer cancel()
	opts := client.ListObjectsOptions{Prefix: d.Folder + d.Search, StartAfter: after, MaxKeys: s.cfg.PageSize + 1}
	p := page{Title: d.Bucket, Data: &d}
	sess.takeFlash(&p)
	for o, err := range sess.client.ListObjects(ctx, d.Bucket, opts) {
		if err != nil {
			p.Error = describe(err)
			break
		}
		if len(d.Entries) == s.cfg.PageSize {
			d.Next = resumeAfter(d.Entries[len(d.Entries)-1])
			break
		}
		d.Entries = append(d.Entries, o)
	}
	sortEntries(d.Entries, d.Sort, d.Order)
	s.render(w, http.StatusOK, "objects", sess, p)
}

// resumeAfter is the StartAfter of the page after e. After a folder it
// must skip every key inside the folder too, which all sort below the
// folder followed by the largest code point.
func resumeAfter(e client.ObjectInfo) string {
	if e.IsPrefix {
		return e.Key + string(utf8.MaxRune)
	}
	return e.Key
}

// crumbs are the folders of prefix from the top, for the path above the
// listing.
func crumbs(prefix string) []folder {
	var out []folder
	for i := 0; i < len(prefix); {
		j := strings.IndexByte(prefix[i:], '/')
		if j < 0 {
			break
		}
		out = append(out, folder{Name: prefix[i : i+j], Prefix: prefix[:i+j+1]})
		i += j + 1
	}
	return out
}
