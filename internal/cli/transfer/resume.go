package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/client"
)

// An upload in progress is recorded in a small JSON file named after its
// endpoint, bucket and key, written when the upload is created and
// removed when it completes. A later upload of the same key continues it
// when the record says it came from the same file, unchanged (same path,
// size and modification time) and cut into parts of the same size, and
// the server still lists the upload. The parts the server has are then
// checked against the file (their ETags are the MD5s of the data) and
// only the missing or differing ones are sent.

type uploadState struct {
	Endpoint  string             `json:"endpoint"`
	Bucket    string             `json:"bucket"`
	Key       string             `json:"key"`
	UploadID  string             `json:"uploadId"`
	Checksum  checksum.Algorithm `json:"checksum"`
	Source    string             `json:"source"`
	Size      int64              `json:"size"`
	ModTime   time.Time          `json:"modTime"`
	PartSize  int64              `json:"partSize"`
	Initiated time.Time          `json:"initiated"`
}

func (e *Engine) resumeDir() (string, error) {
	if e.opts.ResumeDir != "" {
		return e.opts.ResumeDir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "kura", "uploads"), nil
}

// statePath is the file of the upload of target.
func (e *Engine) statePath(target Location) (string, error) {
	dir, err := e.resumeDir()
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(target.Client.Endpoint().String() + "\n" + target.Bucket + "\n" + target.Key))
	return filepath.Join(dir, hex.EncodeToString(h[:16])+".json"), nil
}

func (e *Engine) saveState(target Location, s uploadState) error {
	p, err := e.statePath(target)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

func (e *Engine) dropState(target Location) {
	if p, err := e.statePath(target); err == nil {
		_ = os.Remove(p)
	}
}

// loadState is the recorded upload of target, if it matches want.
func (e *Engine) loadState(target Location, want uploadState) (uploadState, bool) {
	p, err := e.statePath(target)
	if err != nil {
		return uploadState{}, false
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) || err != nil {
		return uploadState{}, false
	}
	var s uploadState
	if json.Unmarshal(data, &s) != nil {
		return uploadState{}, false
	}
	same := s.Endpoint == want.Endpoint && s.Bucket == want.Bucket && s.Key == want.Key && s.Source == want.Source &&
		s.Size == want.Size && s.ModTime.Equal(want.ModTime) && s.PartSize == want.PartSize && s.UploadID != ""
	return s, same
}

// findResumable returns the recorded upload of target and the parts the
// server holds, when the server still lists it.
func (e *Engine) findResumable(ctx context.Context, target Location, want uploadState) (client.MultipartUpload, map[int]client.Part, bool, error) {
	s, ok := e.loadState(target, want)
	if !ok {
		return client.MultipartUpload{}, nil, false, nil
	}
	c := target.Client
	found := false
	for u, err := range c.ListMultipartUploads(ctx, target.Bucket, client.ListMultipartUploadsOptions{Prefix: target.Key}) {
		if err != nil {
			return client.MultipartUpload{}, nil, false, err
		}
		if u.Key == target.Key && u.UploadID == s.UploadID {
			found = true
			break
		}
	}
	if !found {
		e.dropState(target)
		return client.MultipartUpload{}, nil, false, nil
	}
	u := client.MultipartUpload{Bucket: target.Bucket, Key: target.Key, UploadID: s.UploadID, Checksum: s.Checksum}
	parts := map[int]client.Part{}
	for p, err := range c.ListParts(ctx, u) {
		if client.ErrorCode(err) == "NoSuchUpload" {
			e.dropState(target)
			return client.MultipartUpload{}, nil, false, nil
		}
		if err != nil {
			return client.MultipartUpload{}, nil, false, err
		}
		parts[p.Number] = p
	}
	return u, parts, true, nil
}
