// Package tagging is the S3 tag set: the Tagging XML document of
// Get/PutObjectTagging and Get/PutBucketTagging, and the URL-encoded
// x-amz-tagging header of PutObject, CreateMultipartUpload and CopyObject.
//
// It owns the shape of a tag set and AWS's rules for it (tag counts, key
// and value lengths in characters, allowed characters, unique keys), and
// reports violations as S3 errors. It does not store tags: the object
// layer does, and enforces the count and length limits again.
package tagging
