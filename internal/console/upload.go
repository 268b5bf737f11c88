package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kurastore/kura/client"
)

// Uploads from the browser go through the console: the page's script
// posts each file, or each part of a large one, to the console, which
// sends it on to the API as the user with the session's client. The
// browser never talks to the API (another origin, which the
// Content-Security-Policy does not let the page reach).
//
//	POST /upload/{bucket}/put?key=           whole file (at most a part)
//	POST /upload/{bucket}/create?key=&type=  → {"uploadId"}
//	POST /upload/{bucket}/part?key=&uploadId=&partNumber=  part body → {"partNumber","etag","checksum","size"}
//	POST /upload/{bucket}/complete?key=&uploadId=  {"parts":[...]} → {"etag"}
//	POST /upload/{bucket}/abort?key=&uploadId=
//
// Every answer is JSON; a refusal is {"code","error"} with S3's status.

// DefaultUploadPartSize is the size of the parts the browser sends, and
// the most one upload request may carry.
const DefaultUploadPartSize = 8 << 20

// maxBufferedParts bounds the parts the console holds in memory at once,
// over every session: each is read whole before it is sent on, since the
// part's checksum is computed before its bytes go out.
const maxBufferedParts = 8

// partReadTimeout bounds the reading of one upload request's body: a
// part holds one of the few slots while it arrives, and a browser that
// stops sending must not keep it (8 MiB in 5 minutes is 28 KB/s).
const partReadTimeout = 5 * time.Minute

// maxPartNumber is S3's highest part number.
const maxPartNumber = 10000

// uploadChecksum is the checksum every console upload's parts carry; the
// browser hands the parts' checksums back to complete the upload.
const uploadChecksum = client.DefaultChecksum

// maxCompleteBody bounds the JSON list of parts of a completion: 10,000
// parts with their ETags and checksums fit well within it.
const maxCompleteBody = 2 << 20

func (s *Server) uploadRoutes() {
	s.partSlots = make(chan struct{}, maxBufferedParts)
	s.partReadTimeout = partReadTimeout
	s.mux.HandleFunc("POST /upload/{bucket}/put", s.withSession(s.uploadPut))
	s.mux.HandleFunc("POST /upload/{bucket}/create", s.withSession(s.uploadCreate))
	s.mux.HandleFunc("POST /upload/{bucket}/part", s.withSession(s.uploadPart))
	s.mux.HandleFunc("POST /upload/{bucket}/complete", s.withSession(s.uploadComplete))
	s.mux.HandleFunc("POST /upload/{bucket}/abort", s.withSession(s.uploadAbort))
}

// jsonError is a refusal as the page's script shows it.
type jsonError struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func refuseJSON(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, jsonError{Code: code, Error: msg})
}

// refuseS3 passes on the API's refusal (AccessDenied, NoSuchBucket, ...)
// with its status: 400 for what the SDK refused to send (a bucket name
// S3 does not allow), 502 when the API did not answer.
func refuseS3(w http.ResponseWriter, err error) {
	if errors.Is(err, client.ErrInvalidArgument) {
		refuseJSON(w, http.StatusBadRequest, "InvalidArgument", err.Error())
		return
	}
	refuseJSON(w, statusOf(err), client.ErrorCode(err), describe(err))
}

// readPart reads the request's body whole, refusing one longer than the
// part size with 413.
func (s *Server) readPart(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	limit := s.cfg.UploadPartSize
	if r.ContentLength > limit {
		refuseJSON(w, http.StatusRequestEntityTooLarge, "EntityTooLarge", fmt.Sprintf("a request may carry at most %d bytes", limit))
		return nil, false
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(s.partReadTimeout))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		// The rest of the body is not waited for: the connection closes
		// after the answer.
		w.Header().Set("Connection", "close")
		var tooLong *http.MaxBytesError
		if errors.As(err, &tooLong) {
			refuseJSON(w, http.StatusRequestEntityTooLarge, "EntityTooLarge", fmt.Sprintf("a request may carry at most %d bytes", limit))
		} else {
			refuseJSON(w, http.StatusBadRequest, "IncompleteBody", "the body could not be read: "+err.Error())
		}
		return nil, false
	}
	rc.SetReadDeadline(time.Time{})
	return buf.Bytes(), true
}

// partsPerSession bounds the slots one session may hold, so that one
// user's uploads cannot take them all: as many as the page sends at once.
const partsPerSession = 4

// holdPartSlot waits for room to buffer one more part, first among the
// session's, then among the console's; release gives it back. It fails
// when the browser goes away while waiting.
func (s *Server) holdPartSlot(r *http.Request, sess *session) (release func(), ok bool) {
	mine := sess.slots()
	select {
	case mine <- struct{}{}:
	case <-r.Context().Done():
		return nil, false
	}
	select {
	case s.partSlots <- struct{}{}:
		return func() { <-s.partSlots; <-mine }, true
	case <-r.Context().Done():
		<-mine
		return nil, false
	}
}

// objectKey is the key of an upload request, refused when empty.
func objectKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := r.URL.Query().Get("key")
	if key == "" {
		refuseJSON(w, http.StatusBadRequest, "InvalidArgument", "the object key is empty")
		return "", false
	}
	return key, true
}

// uploadOf is the multipart upload a request names.
func uploadOf(w http.ResponseWriter, r *http.Request) (client.MultipartUpload, bool) {
	key, ok := objectKey(w, r)
	if !ok {
		return client.MultipartUpload{}, false
	}
	id := r.URL.Query().Get("uploadId")
	if id == "" {
		refuseJSON(w, http.StatusBadRequest, "InvalidArgument", "the upload ID is empty")
		return client.MultipartUpload{}, false
	}
	return client.MultipartUpload{Bucket: r.PathValue("bucket"), Key: key, UploadID: id, Checksum: uploadChecksum}, true
}

// uploadPut stores a file small enough to go in one request.
func (s *Server) uploadPut(w http.ResponseWriter, r *http.Request, sess *session) {
	key, ok := objectKey(w, r)
	if !ok {
		return
	}
	release, ok := s.holdPartSlot(r, sess)
	if !ok {
		return
	}
	defer release()
	data, ok := s.readPart(w, r)
	if !ok {
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	info, err := sess.client.PutObject(ctx, r.PathValue("bucket"), key, bytes.NewReader(data), int64(len(data)),
		client.PutObjectOptions{ContentType: r.URL.Query().Get("type"), Checksum: uploadChecksum})
	if err != nil {
		refuseS3(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"key": key, "etag": info.ETag})
}

func (s *Server) uploadCreate(w http.ResponseWriter, r *http.Request, sess *session) {
	key, ok := objectKey(w, r)
	if !ok {
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	u, err := sess.client.CreateMultipartUpload(ctx, r.PathValue("bucket"), key,
		client.PutObjectOptions{ContentType: r.URL.Query().Get("type"), Checksum: uploadChecksum})
	if err != nil {
		refuseS3(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"uploadId": u.UploadID})
}

// uploadedPart is a stored part as the browser keeps it until the
// upload is completed.
type uploadedPart struct {
	PartNumber int    `json:"partNumber"`
	ETag       string `json:"etag"`
	Checksum   string `json:"checksum"`
	// Size is needed to combine the parts' checksums into the object's.
	Size int64 `json:"size"`
}

// partNumberOf is the request's part number, 1 to 10,000 as in S3.
func partNumberOf(w http.ResponseWriter, r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.URL.Query().Get("partNumber"))
	if err != nil || n < 1 || n > maxPartNumber {
		refuseJSON(w, http.StatusBadRequest, "InvalidArgument", fmt.Sprintf("the part number must be between 1 and %d", maxPartNumber))
		return 0, false
	}
	return n, true
}

func (s *Server) uploadPart(w http.ResponseWriter, r *http.Request, sess *session) {
	u, ok := uploadOf(w, r)
	if !ok {
		return
	}
	number, ok := partNumberOf(w, r)
	if !ok {
		return
	}
	release, ok := s.holdPartSlot(r, sess)
	if !ok {
		return
	}
	defer release()
	data, ok := s.readPart(w, r)
	if !ok {
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	p, err := sess.client.UploadPart(ctx, u, number, bytes.NewReader(data), int64(len(data)), client.UploadPartOptions{})
	if err != nil {
		refuseS3(w, err)
		return
	}
	writeJSON(w, http.StatusOK, uploadedPart{PartNumber: p.Number, ETag: p.ETag, Checksum: p.Checksum, Size: p.Size})
}

func (s *Server) uploadComplete(w http.ResponseWriter, r *http.Request, sess *session) {
	u, ok := uploadOf(w, r)
	if !ok {
		return
	}
	var body struct {
		Parts []uploadedPart `json:"parts"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCompleteBody)).Decode(&body); err != nil {
		var tooLong *http.MaxBytesError
		if errors.As(err, &tooLong) {
			refuseJSON(w, http.StatusRequestEntityTooLarge, "EntityTooLarge", fmt.Sprintf("the list of parts may be at most %d bytes", maxCompleteBody))
			return
		}
		refuseJSON(w, http.StatusBadRequest, "MalformedJSON", "the list of parts is not valid JSON: "+err.Error())
		return
	}
	if len(body.Parts) == 0 || len(body.Parts) > maxPartNumber {
		refuseJSON(w, http.StatusBadRequest, "InvalidArgument", fmt.Sprintf("an upload has 1 to %d parts", maxPartNumber))
		return
	}
	parts := make([]client.Part, len(body.Parts))
	for i, p := range body.Parts {
		parts[i] = client.Part{Number: p.PartNumber, ETag: p.ETag, Checksum: p.Checksum, Size: p.Size}
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	info, err := sess.client.CompleteMultipartUpload(ctx, u, parts, client.CompleteMultipartUploadOptions{})
	if err != nil {
		refuseS3(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"key": u.Key, "etag": info.ETag})
}

// uploadAbort deletes an upload and its parts. One already gone is
// aborted as far as the browser is concerned.
func (s *Server) uploadAbort(w http.ResponseWriter, r *http.Request, sess *session) {
	u, ok := uploadOf(w, r)
	if !ok {
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if err := sess.client.AbortMultipartUpload(ctx, u); err != nil && client.ErrorCode(err) != "NoSuchUpload" {
		refuseS3(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"key": u.Key})
}

// slots are the session's upload slots.
func (s *session) slots() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uploadSlots == nil {
		s.uploadSlots = make(chan struct{}, partsPerSession)
	}
	return s.uploadSlots
}
