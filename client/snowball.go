package client

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// SnowballObject is one object of UploadSnowballObjects: its data comes
// from Reader (exactly Size bytes) or from the file at FilePath.
type SnowballObject struct {
	Key      string
	Reader   io.Reader
	Size     int64
	FilePath string
	// ModTime is recorded in the archive; zero means the file's
	// modification time, or now for a reader.
	ModTime time.Time
}

// SnowballOptions are the options of UploadSnowballObjects.
type SnowballOptions struct {
	// StagingFile, when set, is where the archive is built instead of
	// in memory. It is left in place afterwards.
	StagingFile string
	// Compression gzips the archive.
	Compression bool
	// Prefix is put before every key by the server.
	Prefix string
	// Metadata is sent with the archive, as user metadata of the
	// upload; servers that apply it to the extracted objects do so.
	Metadata map[string]string
	// ServerSideEncryption encrypts the archive's PUT (spec: sse);
	// servers that extract it encrypt the objects so (kura does).
	ServerSideEncryption ServerSideEncryption
}

// Headers that make a PUT a snowball upload, as MinIO defines them.
const (
	snowballExtractHeader = "X-Amz-Meta-Snowball-Auto-Extract"
	snowballPrefixHeader  = "X-Amz-Meta-Minio-Snowball-Prefix"
)

// UploadSnowballObjects uploads many objects in one request (spec:
// upload_snowball_objects): they are packed into a tar archive, gzipped
// when asked, in memory or in the staging file, and PUT with the header
// that tells the server to extract it. The archive must not exceed 5 GiB.
// The returned UploadInfo names the archive.
func (c *Client) UploadSnowballObjects(ctx context.Context, bucket string, objects []SnowballObject, opts SnowballOptions) (UploadInfo, error) {
	if err := checkSnowball(bucket, objects, opts); err != nil {
		return UploadInfo{}, err
	}
	if err := c.checkSSETransport(opts.ServerSideEncryption); err != nil {
		return UploadInfo{}, err
	}
	header, err := objectAttrs{contentType: "application/x-tar", metadata: opts.Metadata}.header()
	if err != nil {
		return UploadInfo{}, err
	}
	header.Set(snowballExtractHeader, "true")
	setIf(header, snowballPrefixHeader, opts.Prefix)
	if opts.ServerSideEncryption != nil {
		opts.ServerSideEncryption.setHeaders(header)
	}
	body, size, closeBody, err := buildArchive(ctx, objects, opts)
	if err != nil {
		return UploadInfo{}, err
	}
	defer closeBody()
	if size > maxPartSize {
		return UploadInfo{}, invalidArgument("the archive is %d bytes; a snowball upload is one PUT of at most 5 GiB", size)
	}
	plan := &uploadPlan{
		bucket: bucket, key: snowballArchiveName(opts.Compression), header: header, cond: http.Header{},
		alg: DefaultChecksum, progress: &progressReporter{},
	}
	return c.putSingle(ctx, plan, &uploadPart{number: 1, body: body, size: size, last: true, release: func() {}})
}

func checkSnowball(bucket string, objects []SnowballObject, opts SnowballOptions) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if len(objects) == 0 {
		return invalidArgument("no objects to upload")
	}
	if !validHeaderValue(opts.Prefix) {
		return invalidArgument("prefix %q has characters a header cannot carry", opts.Prefix)
	}
	for i, o := range objects {
		if err := checkObject(bucket, o.Key); err != nil {
			return err
		}
		switch {
		case (o.Reader == nil) == (o.FilePath == ""):
			return invalidArgument("object %d (%s) needs exactly one of Reader and FilePath", i, o.Key)
		case o.Reader != nil && o.Size < 0:
			return invalidArgument("object %d (%s) has a reader of negative size %d", i, o.Key, o.Size)
		}
	}
	return nil
}

// snowballArchiveName is the key of the archive itself, which the server
// does not store.
func snowballArchiveName(compressed bool) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "snowball." + hex.EncodeToString(b[:]) + ".tar"
	if compressed {
		name += ".gz"
	}
	return name
}

// buildArchive writes the archive to memory or the staging file and
// returns it as a rewindable body.
func buildArchive(ctx context.Context, objects []SnowballObject, opts SnowballOptions) (io.ReadSeeker, int64, func(), error) {
	if opts.StagingFile == "" {
		var buf bytes.Buffer
		if err := writeArchive(ctx, &buf, objects, opts.Compression); err != nil {
			return nil, 0, nil, err
		}
		return bytes.NewReader(buf.Bytes()), int64(buf.Len()), func() {}, nil
	}
	f, err := os.Create(opts.StagingFile)
	if err != nil {
		return nil, 0, nil, err
	}
	if err := writeArchive(ctx, f, objects, opts.Compression); err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	return io.NewSectionReader(f, 0, size), size, func() { f.Close() }, nil
}

func writeArchive(ctx context.Context, w io.Writer, objects []SnowballObject, compress bool) error {
	var gz *gzip.Writer
	if compress {
		gz = gzip.NewWriter(w)
		w = gz
	}
	tw := tar.NewWriter(w)
	for _, o := range objects {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := addToArchive(tw, o); err != nil {
			return fmt.Errorf("client: archiving %s: %w", o.Key, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if gz != nil {
		return gz.Close()
	}
	return nil
}

func addToArchive(tw *tar.Writer, o SnowballObject) error {
	r, size, modTime := o.Reader, o.Size, o.ModTime
	if o.FilePath != "" {
		f, err := os.Open(o.FilePath)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return invalidArgument("%q is not a regular file", o.FilePath)
		}
		r, size = f, fi.Size()
		if modTime.IsZero() {
			modTime = fi.ModTime()
		}
	}
	if modTime.IsZero() {
		modTime = time.Now()
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: o.Key, Size: size, Mode: 0o644, ModTime: modTime}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.CopyN(tw, r, size)
	if err == io.EOF {
		return fmt.Errorf("the data ended after %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
	}
	return err
}
