package client

import (
	"context"
	"encoding/xml"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/checksum"
)

// ListObjectsOptions are the options of ListObjects.
type ListObjectsOptions struct {
	// Prefix restricts the listing to keys that start with it.
	Prefix string
	// Recursive lists every key under Prefix. Otherwise the listing is
	// one level of a '/'-separated hierarchy: keys below the next '/'
	// are rolled up into common prefixes.
	Recursive bool
	// StartAfter lists keys after this one.
	StartAfter string
	// IncludeUserMeta asks for user metadata and content types, a MinIO
	// extension of ListObjectsV2 and ListObjectVersions.
	IncludeUserMeta bool
	// IncludeVersion lists every version and delete marker
	// (ListObjectVersions), newest first within a key.
	IncludeVersion bool
	// UseV1 uses the older ListObjects API (markers instead of
	// continuation tokens), for servers without ListObjectsV2.
	UseV1 bool
	// UseURLEncoding asks the server to URL-encode keys in its answer,
	// which is needed for keys with characters XML 1.0 cannot carry
	// (most control characters). Keys are decoded before they are
	// yielded.
	UseURLEncoding bool
	// MaxKeys is the size of each page (1 to 1000; 0 means the server's
	// default, 1000). It does not bound the whole listing.
	MaxKeys int
}

// ListObjects lists the objects of a bucket (spec: list_objects), page by
// page as the caller ranges over the result: breaking out of the loop
// stops the listing. A failed request is yielded as the error of the
// last pair.
func (c *Client) ListObjects(ctx context.Context, bucket string, opts ListObjectsOptions) iter.Seq2[ObjectInfo, error] {
	return func(yield func(ObjectInfo, error) bool) {
		if err := checkBucket(bucket); err != nil {
			yield(ObjectInfo{}, err)
			return
		}
		if opts.MaxKeys < 0 {
			yield(ObjectInfo{}, invalidArgument("max keys %d is negative", opts.MaxKeys))
			return
		}
		fetch := c.listPager(bucket, opts)
		var cursor listCursor
		for {
			page, err := fetch(ctx, cursor)
			if err != nil {
				yield(ObjectInfo{}, err)
				return
			}
			for _, o := range page.items {
				if !yield(o, nil) {
					return
				}
			}
			if !page.truncated {
				return
			}
			if page.next == cursor {
				// A server that says "more" without moving on would
				// make this loop forever.
				yield(ObjectInfo{}, fmt.Errorf("client: listing of %s is truncated but does not advance past %q", bucket, page.next.key))
				return
			}
			cursor = page.next
		}
	}
}

// listCursor is where the next page starts: a continuation token (V2),
// or a key marker (V1, and versions with a version id marker).
type listCursor struct {
	token, key, versionID string
}

// listPage is one answer of a listing.
type listPage struct {
	items     []ObjectInfo
	truncated bool
	next      listCursor
}

type listFetcher func(ctx context.Context, cursor listCursor) (listPage, error)

// listPager picks the listing API and returns the function that fetches
// one page of it.
func (c *Client) listPager(bucket string, opts ListObjectsOptions) listFetcher {
	base := url.Values{}
	if opts.Prefix != "" {
		base.Set("prefix", opts.Prefix)
	}
	if !opts.Recursive {
		base.Set("delimiter", "/")
	}
	if opts.MaxKeys > 0 {
		base.Set("max-keys", strconv.Itoa(opts.MaxKeys))
	}
	if opts.UseURLEncoding {
		base.Set("encoding-type", "url")
	}
	switch {
	case opts.IncludeVersion:
		return c.versionsPager(bucket, base, opts)
	case opts.UseV1:
		return c.v1Pager(bucket, base, opts)
	}
	return c.v2Pager(bucket, base, opts)
}

func withParams(base url.Values, kv ...string) url.Values {
	q := make(url.Values, len(base)+len(kv)/2)
	for k, v := range base {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// listEntry is a <Contents>, <Version> or <DeleteMarker> element.
type listEntry struct {
	XMLName      xml.Name
	Key          string `xml:"Key"`
	VersionID    string `xml:"VersionId"`
	IsLatest     bool   `xml:"IsLatest"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	// ChecksumAlgorithm and ChecksumType name the object's checksum.
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm"`
	ChecksumType      string `xml:"ChecksumType"`
	Size              int64  `xml:"Size"`
	StorageClass      string `xml:"StorageClass"`
	Owner             struct {
		ID          string `xml:"ID"`
		DisplayName string `xml:"DisplayName"`
	} `xml:"Owner"`
	UserMetadata struct {
		Items []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"UserMetadata"`
}

type listPrefix struct {
	Prefix string `xml:"Prefix"`
}

// listResult holds the fields of the three listing answers.
type listResult struct {
	IsTruncated           bool         `xml:"IsTruncated"`
	EncodingType          string       `xml:"EncodingType"`
	NextMarker            string       `xml:"NextMarker"`
	NextContinuationToken string       `xml:"NextContinuationToken"`
	NextKeyMarker         string       `xml:"NextKeyMarker"`
	NextVersionIDMarker   string       `xml:"NextVersionIdMarker"`
	Contents              []listEntry  `xml:"Contents"`
	CommonPrefixes        []listPrefix `xml:"CommonPrefixes"`
	// Versions holds <Version> and <DeleteMarker> in document order;
	// other unknown elements land here too and are skipped.
	Versions []listEntry `xml:",any"`
}

func (c *Client) fetchList(ctx context.Context, bucket string, query url.Values, root string) (*listResult, error) {
	var res listResult
	r := &request{method: http.MethodGet, bucket: bucket, query: query}
	if _, err := c.doResult(ctx, r, root, &res); err != nil {
		return nil, err
	}
	if err := res.decodeNames(); err != nil {
		return nil, err
	}
	return &res, nil
}

// decodeNames undoes encoding-type=url in the fields that carry keys.
func (res *listResult) decodeNames() error {
	if !strings.EqualFold(res.EncodingType, "url") {
		return nil
	}
	var err error
	decode := func(s *string) {
		if err != nil {
			return
		}
		var d string
		if d, err = url.QueryUnescape(*s); err != nil {
			err = fmt.Errorf("client: listing has a badly encoded key %q: %w", *s, err)
			return
		}
		*s = d
	}
	decode(&res.NextMarker)
	decode(&res.NextKeyMarker)
	for i := range res.Contents {
		decode(&res.Contents[i].Key)
	}
	for i := range res.Versions {
		decode(&res.Versions[i].Key)
	}
	for i := range res.CommonPrefixes {
		decode(&res.CommonPrefixes[i].Prefix)
	}
	return err
}

func (c *Client) v2Pager(bucket string, base url.Values, opts ListObjectsOptions) listFetcher {
	base = withParams(base, "list-type", "2", "start-after", opts.StartAfter)
	if opts.IncludeUserMeta {
		base.Set("metadata", "true")
	}
	return func(ctx context.Context, cur listCursor) (listPage, error) {
		q := base
		if cur.token != "" {
			q = withParams(base, "continuation-token", cur.token)
		}
		res, err := c.fetchList(ctx, bucket, q, "ListBucketResult")
		if err != nil {
			return listPage{}, err
		}
		return listPage{
			items:     mergeListing(res.Contents, res.CommonPrefixes),
			truncated: res.IsTruncated,
			next:      listCursor{token: res.NextContinuationToken},
		}, nil
	}
}

func (c *Client) v1Pager(bucket string, base url.Values, opts ListObjectsOptions) listFetcher {
	return func(ctx context.Context, cur listCursor) (listPage, error) {
		marker := cur.key
		if marker == "" {
			marker = opts.StartAfter
		}
		res, err := c.fetchList(ctx, bucket, withParams(base, "marker", marker), "ListBucketResult")
		if err != nil {
			return listPage{}, err
		}
		items := mergeListing(res.Contents, res.CommonPrefixes)
		next := res.NextMarker
		// S3 sends NextMarker only with a delimiter; otherwise the
		// last key is where the next page starts.
		if next == "" && len(items) > 0 {
			next = items[len(items)-1].Key
		}
		return listPage{items: items, truncated: res.IsTruncated, next: listCursor{key: next}}, nil
	}
}

func (c *Client) versionsPager(bucket string, base url.Values, opts ListObjectsOptions) listFetcher {
	base = withParams(base)
	base.Set("versions", "")
	if opts.IncludeUserMeta {
		base.Set("metadata", "true")
	}
	return func(ctx context.Context, cur listCursor) (listPage, error) {
		keyMarker := cur.key
		if keyMarker == "" {
			keyMarker = opts.StartAfter
		}
		q := withParams(base, "key-marker", keyMarker, "version-id-marker", cur.versionID)
		res, err := c.fetchList(ctx, bucket, q, "ListVersionsResult")
		if err != nil {
			return listPage{}, err
		}
		var versions []listEntry
		for _, v := range res.Versions {
			if v.XMLName.Local == "Version" || v.XMLName.Local == "DeleteMarker" {
				versions = append(versions, v)
			}
		}
		orderVersions(versions)
		return listPage{
			items:     mergeListing(versions, res.CommonPrefixes),
			truncated: res.IsTruncated,
			next:      listCursor{key: res.NextKeyMarker, versionID: res.NextVersionIDMarker},
		}, nil
	}
}

// orderVersions puts a page of versions in S3's order, by key and newest
// first within a key. S3 interleaves <Version> and <DeleteMarker> in that
// order, and the page is kept as it is then; some servers (moto) send all
// versions before all delete markers, and their page is sorted, by
// modification time within a key.
func orderVersions(v []listEntry) {
	if versionsOrdered(v) {
		return
	}
	sort.SliceStable(v, func(i, j int) bool {
		a, b := v[i], v[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if a.IsLatest != b.IsLatest {
			return a.IsLatest
		}
		return parseListTime(a.LastModified).After(parseListTime(b.LastModified))
	})
}

// versionsOrdered reports whether keys never go down and the latest
// version of a key, when the page has it, comes first.
func versionsOrdered(v []listEntry) bool {
	for i := 1; i < len(v); i++ {
		if v[i].Key < v[i-1].Key || (v[i].Key == v[i-1].Key && v[i].IsLatest) {
			return false
		}
	}
	return true
}

// mergeListing yields a page's objects and common prefixes in key order,
// as one hierarchy level reads. Both lists come sorted; versions of one
// key stay in the server's order (newest first).
func mergeListing(entries []listEntry, prefixes []listPrefix) []ObjectInfo {
	items := make([]ObjectInfo, 0, len(entries)+len(prefixes))
	i, j := 0, 0
	for i < len(entries) || j < len(prefixes) {
		if j == len(prefixes) || (i < len(entries) && entries[i].Key < prefixes[j].Prefix) {
			items = append(items, entries[i].info())
			i++
			continue
		}
		items = append(items, ObjectInfo{Key: prefixes[j].Prefix, IsPrefix: true})
		j++
	}
	return items
}

func (e listEntry) info() ObjectInfo {
	info := ObjectInfo{
		Key:            e.Key,
		Size:           e.Size,
		ETag:           trimETag(e.ETag),
		VersionID:      e.VersionID,
		IsLatest:       e.IsLatest,
		IsDeleteMarker: e.XMLName.Local == "DeleteMarker",
		StorageClass:   e.StorageClass,
		OwnerID:        e.Owner.ID,
		OwnerName:      e.Owner.DisplayName,
		// A listing names the checksum, not its value.
		ChecksumAlgorithm: checksum.Algorithm(e.ChecksumAlgorithm),
		ChecksumType:      e.ChecksumType,
	}
	info.LastModified = parseListTime(e.LastModified)
	for _, item := range e.UserMetadata.Items {
		name := strings.ToLower(item.XMLName.Local)
		switch {
		case name == "content-type":
			info.ContentType = item.Value
		case strings.HasPrefix(name, metaPrefix) && len(name) > len(metaPrefix):
			if info.Metadata == nil {
				info.Metadata = make(map[string]string)
			}
			info.Metadata[name[len(metaPrefix):]] = item.Value
		}
	}
	return info
}

// parseListTime reads a listing's ISO 8601 time; zero if it is not one.
func parseListTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
