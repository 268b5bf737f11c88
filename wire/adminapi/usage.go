package adminapi

// BucketUsage is what one bucket holds, from the server's usage counters:
// exact, and read without listing the bucket.
type BucketUsage struct {
	Bucket string `json:"bucket"`
	// Objects counts current objects: the latest version of each key,
	// unless that is a delete marker.
	Objects int64 `json:"objects"`
	// Versions counts every stored version, delete markers included;
	// in a bucket never versioned it equals Objects.
	Versions      int64 `json:"versions"`
	DeleteMarkers int64 `json:"deleteMarkers"`
	// Bytes is the size of every stored version, noncurrent ones
	// included, as the objects' own (unencrypted) sizes.
	Bytes int64 `json:"bytes"`
	// Uploads counts unfinished multipart uploads; UploadParts and
	// UploadBytes are their parts and the parts' sizes, which Bytes does
	// not include.
	Uploads     int64 `json:"uploads"`
	UploadParts int64 `json:"uploadParts"`
	UploadBytes int64 `json:"uploadBytes"`
}
