package transfer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/client"
	"golang.org/x/sync/errgroup"
)

// contentType is the type of a file by its extension.
func contentType(p string) string {
	if t := mime.TypeByExtension(filepath.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// upload sends a local file: in one PUT up to a part's size, else as a
// multipart upload that a later run can continue.
func (e *Engine) upload(ctx context.Context, t *Task) error {
	f, err := os.Open(t.Source.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	t.Size = fi.Size()
	opts := client.PutObjectOptions{
		ContentType: contentType(t.Source.Path), Metadata: e.uploadMetadata(fi), StorageClass: e.opts.StorageClass,
	}
	partSize := e.partSizeFor(t.Size)
	if t.Size <= partSize {
		opts.PartSize = uint64(partSize)
		opts.Sent = func(n int64) { e.obs.Moved(t, n) }
		_, err := t.Target.Client.PutObject(ctx, t.Target.Bucket, t.Target.Key, f, t.Size, opts)
		return err
	}
	return e.uploadParts(ctx, t, f, fi, partSize, opts)
}

// uploadParts sends a file as a multipart upload, continuing the one an
// earlier run left when it matches.
func (e *Engine) uploadParts(ctx context.Context, t *Task, f *os.File, fi os.FileInfo, partSize int64, opts client.PutObjectOptions) error {
	c := t.Target.Client
	abs, err := filepath.Abs(t.Source.Path)
	if err != nil {
		return err
	}
	want := uploadState{
		Endpoint: c.Endpoint().String(), Bucket: t.Target.Bucket, Key: t.Target.Key, Source: abs,
		Size: fi.Size(), ModTime: fi.ModTime(), PartSize: partSize,
	}
	u, existing, resumed, err := e.findResumable(ctx, t.Target, want)
	if err != nil {
		return err
	}
	if !resumed {
		if u, err = c.CreateMultipartUpload(ctx, t.Target.Bucket, t.Target.Key, opts); err != nil {
			return err
		}
		want.UploadID, want.Checksum = u.UploadID, u.Checksum
		// Without a record (a read-only cache directory) the upload
		// still goes ahead; only a later run cannot continue it.
		_ = e.saveState(t.Target, want)
	}
	count := int((fi.Size() + partSize - 1) / partSize)
	parts := make([]client.Part, count)
	var missing []int
	for i := range count {
		off, n := int64(i)*partSize, min(partSize, fi.Size()-int64(i)*partSize)
		if p, ok := existing[i+1]; ok && p.Size == n {
			if sum, same, err := samePart(f, off, n, p, u.Checksum); err != nil {
				return err
			} else if same {
				p.Checksum = sum
				parts[i] = p
				t.Resumed += n
				e.obs.Moved(t, n)
				continue
			}
		}
		missing = append(missing, i)
	}
	if err := e.sendParts(ctx, t, f, u, partSize, missing, parts); err != nil {
		// The upload stays for the next run to continue.
		return err
	}
	_, err = c.CompleteMultipartUpload(ctx, u, parts, client.CompleteMultipartUploadOptions{})
	if err == nil || client.ErrorCode(err) == "NoSuchUpload" {
		e.dropState(t.Target)
	}
	return err
}

// samePart reports whether a stored part holds the n bytes of f at off:
// its ETag is their MD5 and its checksum, when listed, theirs. It
// returns the checksum of the data in alg.
func samePart(f *os.File, off, n int64, p client.Part, alg checksum.Algorithm) (string, bool, error) {
	md := md5.New()
	w := io.Writer(md)
	var h interface {
		io.Writer
		Sum([]byte) []byte
	}
	if alg != "" {
		h = alg.New()
		w = io.MultiWriter(md, h)
	}
	if _, err := io.Copy(w, io.NewSectionReader(f, off, n)); err != nil {
		return "", false, err
	}
	if hex.EncodeToString(md.Sum(nil)) != p.ETag {
		return "", false, nil
	}
	if h == nil {
		return "", true, nil
	}
	sum := checksum.Encode(h.Sum(nil))
	return sum, p.Checksum == "" || p.Checksum == sum, nil
}

// sendParts uploads the parts numbered missing (from 0), PartParallel at
// a time, into parts. A part that fails is sent once more (the SDK has
// already retried each request) before the upload gives up.
func (e *Engine) sendParts(ctx context.Context, t *Task, f *os.File, u client.MultipartUpload, partSize int64, missing []int, parts []client.Part) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.opts.PartParallel)
	for _, i := range missing {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			off, n := int64(i)*partSize, min(partSize, t.Size-int64(i)*partSize)
			var err error
			for attempt := 0; attempt < 2; attempt++ {
				if parts[i], err = e.sendPart(gctx, t, f, u, i+1, off, n); err == nil || gctx.Err() != nil {
					break
				}
			}
			if err != nil {
				return fmt.Errorf("part %d: %w", i+1, err)
			}
			if e.opts.afterPart != nil {
				return e.opts.afterPart(i + 1)
			}
			return nil
		})
	}
	err := g.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// sendPart uploads one part; the bytes of a failed attempt are taken
// back from the progress.
func (e *Engine) sendPart(ctx context.Context, t *Task, f *os.File, u client.MultipartUpload, number int, off, n int64) (client.Part, error) {
	var sent atomic.Int64
	p, err := t.Target.Client.UploadPart(ctx, u, number, io.NewSectionReader(f, off, n), n, client.UploadPartOptions{
		Sent: func(d int64) { sent.Add(d); e.obs.Moved(t, d) },
	})
	if err != nil {
		e.obs.Moved(t, -sent.Load())
	}
	return p, err
}
