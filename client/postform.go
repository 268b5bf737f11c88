package client

import (
	"bytes"
	"context"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kurastore/kura/sigv4"
)

// PostForm is a signed browser-form upload (POST Object): where to post
// it and the fields it sends. NewRequest builds the request for a file;
// a web page sends the same fields from an HTML form with
// enctype="multipart/form-data", the file input named "file" last.
type PostForm struct {
	// URL is where the form is posted: the bucket's URL.
	URL *url.URL
	// Fields are the form fields to send before the file, by lower-case
	// name:
	//
	//   - key: the object's name. SetKey fixes it; SetKeyStartsWith
	//     presets it to the prefix, which the uploader completes.
	//     "${filename}" in it is replaced by the file's name.
	//   - policy: the policy document, base64 JSON: the expiration and
	//     the conditions every field must meet.
	//   - x-amz-algorithm ("AWS4-HMAC-SHA256"), x-amz-credential (access
	//     key/date/region/s3/aws4_request), x-amz-date, and, with
	//     temporary credentials, x-amz-security-token: what the signature
	//     was made with.
	//   - x-amz-signature: the signature of policy.
	//   - one field per condition the policy adds: content-type (the
	//     stored Content-Type), x-amz-meta-* (user metadata),
	//     success_action_status (200, 201 with an XML document, or 204,
	//     the default), and any other field given a condition. A field
	//     under a starts-with condition holds the prefix, for the
	//     uploader to complete.
	//
	// The size condition (content-length-range) has no field: the
	// server checks the file's length against it.
	Fields map[string]string
}

// PresignedPostForm signs p for a browser form upload, as
// PresignedPostPolicy does, and returns it as a PostForm.
func (c *Client) PresignedPostForm(ctx context.Context, p *PostPolicy) (*PostForm, error) {
	u, fields, err := c.PresignedPostPolicy(ctx, p)
	if err != nil {
		return nil, err
	}
	return &PostForm{URL: u, Fields: fields}, nil
}

// signedFields are the fields a form's signature covers, which an
// uploader cannot change without breaking it.
var signedFields = []string{
	sigv4.PostFieldPolicy, sigv4.PostFieldSignature, sigv4.PostFieldAlgorithm,
	sigv4.PostFieldCredential, sigv4.PostFieldDate, sigv4.PostFieldSecurityToken,
}

// NewRequest builds the multipart/form-data POST that uploads the data
// of file, named filename, as key. key "" keeps the form's key (the one
// SetKey fixed). fields set or replace other fields, such as the rest
// of a field under a starts-with condition; names are compared without
// regard to case, so no field is sent twice. The file is streamed: the
// request's body reads it as it is sent, and has a length when file
// has one (a bytes.Reader, strings.Reader, bytes.Buffer or a file).
// Send the request with any http.Client: it needs no credentials.
func (f *PostForm) NewRequest(ctx context.Context, key string, fields map[string]string, filename string, file io.Reader) (*http.Request, error) {
	if f == nil || f.URL == nil {
		return nil, invalidArgument("post form has no URL")
	}
	if file == nil {
		return nil, invalidArgument("file is nil")
	}
	all, err := f.mergeFields(key, fields)
	if err != nil {
		return nil, err
	}
	var head bytes.Buffer
	w := multipart.NewWriter(&head)
	// S3 reads fields in any order, but the file last.
	for _, name := range slices.Sorted(maps.Keys(all)) {
		if err := w.WriteField(name, all[name]); err != nil {
			return nil, err
		}
	}
	if _, err := w.CreateFormFile(sigv4.PostFieldFile, filename); err != nil {
		return nil, err
	}
	headLen := head.Len()
	if err := w.Close(); err != nil {
		return nil, err
	}
	tail := bytes.Clone(head.Bytes()[headLen:])
	head.Truncate(headLen)
	size, err := readerLength(file)
	if err != nil {
		return nil, err
	}
	body := io.MultiReader(&head, file, bytes.NewReader(tail))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.URL.String(), body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = -1
	if size >= 0 {
		req.ContentLength = int64(headLen) + size + int64(len(tail))
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req, nil
}

// mergeFields is the form's fields with key and the caller's fields,
// by lower-case name.
func (f *PostForm) mergeFields(key string, fields map[string]string) (map[string]string, error) {
	all := make(map[string]string, len(f.Fields)+len(fields)+1)
	for name, v := range f.Fields {
		all[strings.ToLower(name)] = v
	}
	for name, v := range fields {
		lower := strings.ToLower(name)
		switch {
		case lower == sigv4.PostFieldFile:
			return nil, invalidArgument("the file is the request's data, not a field")
		case slices.Contains(signedFields, lower):
			return nil, invalidArgument("form field %q is the signature's and cannot be changed", name)
		}
		all[lower] = v
	}
	if key != "" {
		all[sigv4.PostFieldKey] = key
	}
	if all[sigv4.PostFieldKey] == "" {
		return nil, invalidArgument("the form has no key: give one")
	}
	return all, nil
}

// readerLength is how many bytes r has left, -1 when it cannot say.
func readerLength(r io.Reader) (int64, error) {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len()), nil
	case io.Seeker:
		cur, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1, nil
		}
		end, err := v.Seek(0, io.SeekEnd)
		if err != nil {
			return -1, err
		}
		if _, err := v.Seek(cur, io.SeekStart); err != nil {
			return -1, err
		}
		return end - cur, nil
	}
	return -1, nil
}
