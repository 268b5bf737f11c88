package transfer

import (
	"context"
	"maps"
	"os"

	"github.com/kurastore/kura/client"
)

// copyRemote copies an object to another bucket or key: on the server
// when both are on the same endpoint (in parts past 5 GiB), else through
// this machine. Metadata and tags go with the data.
func (e *Engine) copyRemote(ctx context.Context, t *Task) error {
	src, dst := t.Source, t.Target
	if sameServer(src.Client, dst.Client) {
		return e.copyOnServer(ctx, t)
	}
	obj, err := src.Client.GetObject(ctx, src.Bucket, src.Key, client.GetObjectOptions{ChecksumMode: true})
	if err != nil {
		return err
	}
	defer obj.Close()
	info := obj.Info
	t.Size = info.Size
	tags := map[string]string(nil)
	if info.TagCount > 0 {
		if tags, err = src.Client.GetObjectTags(ctx, src.Bucket, src.Key, client.ObjectTagsOptions{}); err != nil {
			return err
		}
	}
	meta := maps.Clone(info.Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	maps.Copy(meta, e.opts.Metadata)
	_, err = dst.Client.PutObject(ctx, dst.Bucket, dst.Key, obj, info.Size, client.PutObjectOptions{
		ContentType: info.ContentType, ContentEncoding: info.ContentEncoding, ContentDisposition: info.ContentDisposition,
		ContentLanguage: info.ContentLanguage, CacheControl: info.CacheControl, Expires: info.Expires,
		Metadata: meta, Tags: tags, StorageClass: e.opts.StorageClass, PartSize: uint64(e.partSizeFor(info.Size)),
		NumThreads: e.opts.PartParallel, Sent: func(n int64) { e.obs.Moved(t, n) },
	})
	return err
}

func (e *Engine) copyOnServer(ctx context.Context, t *Task) error {
	src, dst := t.Source, t.Target
	d := client.CopyDestOptions{Bucket: dst.Bucket, Key: dst.Key, StorageClass: e.opts.StorageClass}
	if len(e.opts.Metadata) > 0 {
		info, err := src.Client.StatObject(ctx, src.Bucket, src.Key, client.StatObjectOptions{})
		if err != nil {
			return err
		}
		meta := maps.Clone(info.Metadata)
		if meta == nil {
			meta = map[string]string{}
		}
		maps.Copy(meta, e.opts.Metadata)
		d.ReplaceMetadata, d.Metadata = true, meta
		d.ContentType, d.ContentEncoding, d.ContentDisposition = info.ContentType, info.ContentEncoding, info.ContentDisposition
		d.ContentLanguage, d.CacheControl, d.Expires = info.ContentLanguage, info.CacheControl, info.Expires
	}
	up, err := dst.Client.CopyObject(ctx, d, client.CopySrcOptions{Bucket: src.Bucket, Key: src.Key})
	if err != nil {
		return err
	}
	t.Size = up.Size
	e.obs.Moved(t, up.Size)
	return nil
}

// copyLocal copies a file to another local path, through a temporary
// file renamed into place.
func (e *Engine) copyLocal(_ context.Context, t *Task) error {
	f, err := os.Open(t.Source.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	t.Size = fi.Size()
	info := client.ObjectInfo{Size: fi.Size()}
	if e.opts.Preserve || t.dateFile {
		info.Metadata = e.uploadMetadata(fi)
	}
	return e.writeFile(t, f, info)
}
