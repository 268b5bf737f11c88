// Package client is kura's Go SDK, an S3 client for kura and any other
// S3-compatible server (AWS S3, MinIO, …). It speaks plain S3 (Signature
// V4, S3 XML) in Go's idiom: a context first, one options struct per call
// (the zero value is the default), errors that [errors.Is] matches, and
// iterators for listings. A [Client] is safe for concurrent use; make one
// per endpoint and share it. Every call of the MinIO Python client has a
// method here with the same meaning.
//
// # Quick start
//
// With kura running (go run ./cmd/kura server ./data), KURA_ENDPOINT set
// to http://127.0.0.1:9000 and KURA_ACCESS_KEY and KURA_SECRET_KEY to the
// root credentials it printed:
//
//	func main() {
//		ctx := context.Background()
//
//		// Connect: KURA_ENDPOINT is http://127.0.0.1:9000 for a local kura,
//		// the keys are the root credentials it printed on its first start.
//		c, err := client.New(os.Getenv("KURA_ENDPOINT"), &client.Options{
//			AccessKey: os.Getenv("KURA_ACCESS_KEY"),
//			SecretKey: os.Getenv("KURA_SECRET_KEY"),
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//
//		// Make a bucket, unless an earlier run did.
//		err = c.MakeBucket(ctx, "notes", client.MakeBucketOptions{})
//		if err != nil && !errors.Is(err, client.ErrBucketAlreadyOwnedByYou) {
//			log.Fatal(err)
//		}
//
//		// Put an object.
//		text := "remember the milk\n"
//		_, err = c.PutObject(ctx, "notes", "2026/todo.txt", strings.NewReader(text), int64(len(text)),
//			client.PutObjectOptions{ContentType: "text/plain"})
//		if err != nil {
//			log.Fatal(err)
//		}
//
//		// Get it back: an *Object is an io.ReadSeekCloser and io.ReaderAt.
//		obj, err := c.GetObject(ctx, "notes", "2026/todo.txt", client.GetObjectOptions{})
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer obj.Close()
//		body, err := io.ReadAll(obj)
//		if err != nil {
//			log.Fatal(err)
//		}
//		fmt.Print(string(body))
//
//		// List the bucket: an iterator that pages through the listing.
//		for info, err := range c.ListObjects(ctx, "notes", client.ListObjectsOptions{Recursive: true}) {
//			if err != nil {
//				log.Fatal(err)
//			}
//			fmt.Println(info.Key, info.Size)
//		}
//
//		// Share it for an hour: anyone with the URL can download it.
//		u, err := c.PresignedGetObject(ctx, "notes", "2026/todo.txt", time.Hour, client.PresignOptions{})
//		if err != nil {
//			log.Fatal(err)
//		}
//		fmt.Println(u.Query().Get("X-Amz-Expires"))
//	}
//
// # The API by task
//
// Connecting: [New] with [Options]: static keys, or a credentials
// [Provider] ([EnvKura], [EnvAWS], [EnvMinio], [SharedFile], [AssumeRole],
// or a [Chain] of them); Secure for HTTPS, Transport, MaxRetries. With no
// Region, the client learns each bucket's region from the server.
//
// Buckets: [Client.MakeBucket], [Client.ListBuckets], [Client.BucketExists],
// [Client.RemoveBucket], [Client.GetBucketLocation].
//
// Uploading: [Client.PutObject] streams any [io.Reader], in parallel parts
// when it is large, with [PutObjectOptions] for metadata, tags,
// checksums, encryption and Progress; [Client.FPutObject] uploads a file;
// [Client.CreateMultipartUpload], [Client.UploadPart],
// [Client.CompleteMultipartUpload], [Client.AbortMultipartUpload],
// [Client.ListParts] and [Client.ListMultipartUploads] are the multipart
// calls one by one, for uploads a program resumes;
// [Client.UploadSnowballObjects] sends many small objects as one tar.
//
// Downloading: [Client.GetObject] returns an [*Object], an
// [io.ReadSeekCloser] and [io.ReaderAt] that fetches ranges as needed and
// resumes a broken read; [Client.FGetObject] downloads to a file;
// [Client.StatObject] and [Client.GetObjectAttributes] read metadata;
// [Client.SelectObjectContent] runs S3 Select; [Client.RestoreObject]
// brings back an archived object.
//
// Listing: [Client.ListObjects] is an [iter.Seq2] of [ObjectInfo] and
// error, which pages through the listing as it is ranged over (versions
// too, with WithVersions).
//
// Deleting: [Client.RemoveObject]; [Client.RemoveObjects] deletes the keys
// of an iterator in batches of 1000 and returns a [*RemoveObjectsError]
// naming the keys it could not delete.
//
// Copying: [Client.CopyObject] and [Client.ComposeObject], server-side.
//
// Tags, retention and legal hold: [Client.SetObjectTags],
// [Client.GetObjectTags], [Client.DeleteObjectTags],
// [Client.SetObjectRetention], [Client.GetObjectRetention],
// [Client.EnableObjectLegalHold], [Client.DisableObjectLegalHold] and
// [Client.IsObjectLegalHoldEnabled].
//
// Bucket configuration: policy ([Client.SetBucketPolicy],
// [Client.SetBucketPolicyDocument]), versioning, lifecycle, encryption,
// replication, object lock, tags, notifications
// ([Client.ListenBucketNotification] streams events), CORS and websites:
// a Get, Set and Delete call each, with the document types of kura's wire
// packages.
//
// Presigning: [Client.PresignedGetObject], [Client.PresignedPutObject] and
// [Client.GetPresignedURL] sign URLs that work without keys;
// [Client.PresignedPostPolicy] and [Client.PresignedPostForm] sign browser
// form uploads.
//
// Errors: an S3 error answer is an [*ErrorResponse] (Code, Message,
// StatusCode, RequestID). It matches the sentinels of its code with
// errors.Is ([ErrNoSuchKey], [ErrNoSuchBucket], [ErrAccessDenied],
// [ErrPreconditionFailed], …), and every not-found answer also matches
// [io/fs.ErrNotExist]; input refused before sending matches
// [ErrInvalidArgument].
//
// Testing: package github.com/kurastore/kura/kuratest starts a real kura
// in-process for tests, with a ready Client (it is a module of its own,
// with the server's dependencies; this package needs none of them):
//
//	s := kuratest.NewServer(t)
//	err := s.Client.MakeBucket(ctx, "notes", client.MakeBucketOptions{})
//
// The guide, with every option and the mapping from the MinIO Python
// client, is docs/sdk.md in kura's repository.
package client
