// Package sigv2 verifies AWS Signature Version 2 for S3: the
// "Authorization: AWS key:signature" header, query-string authentication
// (AWSAccessKeyId, Expires, Signature) and the signature of a browser POST
// upload's policy. The signature is an HMAC-SHA1 of a string built from
// the method, three standard headers, the x-amz-* headers and the
// resource.
//
// Signature Version 2 signs no body and only those query parameters that
// select a subresource, and clients disagree about which those are: AWS's
// documentation, botocore, minio-go and s3cmd each have a list. A server
// must pick one; kura tries each list (see subresourceProfiles) and
// accepts the request when one of them gives the signature, so that every
// client's requests verify. Only the lists that name every subresource
// the server acts on in the request's query are tried (see
// Verifier.Subresources): a signature made without one cannot be
// replayed with it added, as another operation or with a response
// override. A request whose query has a subresource no client signs, or
// a combination no single client signs, must use Signature Version 4.
// Other query parameters (list-type, prefix, ...) are never signed.
//
// Use Signature Version 4 where you can: AWS has refused Version 2 for
// buckets created since June 2020. kura accepts it for the many tools and
// applications that still sign with it, and an operator can refuse it
// (kura server --signature-v2=false) or deny it per bucket with the
// s3:signatureversion policy condition key (value "AWS").
//
// Like sigv4, the package owns the protocol only: which access keys exist
// is the caller's SecretLookup.
package sigv2
