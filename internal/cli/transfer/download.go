package transfer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kurastore/kura/client"
)

// ErrCorrupt is returned, wrapped, when downloaded data differs from the
// object's checksum or MD5 ETag.
var ErrCorrupt = errors.New("downloaded data does not match the object's checksum")

// tempSuffix ends the names of files being downloaded; listings of local
// trees skip them.
const tempSuffix = ".kura-part"

func isTempName(name string) bool { return strings.HasSuffix(name, tempSuffix) }

// md5ETag matches the ETag of an object stored in one PUT without
// SSE-KMS or SSE-C: the hex MD5 of its data.
var md5ETag = regexp.MustCompile(`^[0-9a-f]{32}$`)

// download writes an object to a temporary file next to the target,
// verifies it and renames it into place: the target never holds a
// partial or corrupt file.
func (e *Engine) download(ctx context.Context, t *Task) error {
	src := t.Source
	obj, err := src.Client.GetObject(ctx, src.Bucket, src.Key, client.GetObjectOptions{ChecksumMode: true})
	if err != nil {
		return err
	}
	defer obj.Close()
	t.Size = obj.Info.Size
	return e.writeFile(t, obj, obj.Info)
}

// writeFile fills t's target from r, checked against info, then sets its
// attributes (restoreAttrs).
func (e *Engine) writeFile(t *Task, r io.Reader, info client.ObjectInfo) error {
	target := t.Target.Path
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", target)
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*"+tempSuffix)
	if err != nil {
		return err
	}
	err = e.fill(t, tmp, r, info)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = e.restoreAttrs(tmp.Name(), info.Metadata, info.LastModified, t.dateFile)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), target)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// fill copies r into f, counting bytes, and checks what was written:
// its length, and its MD5 when the SDK has no checksum to verify the
// data against (the SDK fails the read on a checksum mismatch).
func (e *Engine) fill(t *Task, f *os.File, r io.Reader, info client.ObjectInfo) error {
	var sum hash.Hash
	w := io.Writer(&countingWriter{w: f, moved: func(n int64) { e.obs.Moved(t, n) }})
	if !sdkVerifies(info) && md5ETag.MatchString(info.ETag) && info.SSECustomerAlgorithm == "" && info.ServerSideEncryption != "aws:kms" {
		sum = md5.New()
		w = io.MultiWriter(w, sum)
	}
	n, err := io.Copy(w, r)
	switch {
	case errors.Is(err, client.ErrChecksumMismatch):
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	case err != nil:
		return err
	case n != info.Size:
		return fmt.Errorf("%w: read %d bytes of %d", ErrCorrupt, n, info.Size)
	case sum != nil && hex.EncodeToString(sum.Sum(nil)) != info.ETag:
		return fmt.Errorf("%w: MD5 %x, ETag %s", ErrCorrupt, sum.Sum(nil), info.ETag)
	}
	return nil
}

// sdkVerifies reports whether GetObject checks the body itself: the
// object has a checksum of its whole data.
func sdkVerifies(info client.ObjectInfo) bool {
	if info.ChecksumType == "COMPOSITE" {
		return false
	}
	for _, v := range info.Checksums {
		if !strings.Contains(v, "-") {
			return true
		}
	}
	return false
}

type countingWriter struct {
	w     io.Writer
	moved func(int64)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if n > 0 {
		c.moved(int64(n))
	}
	return n, err
}
