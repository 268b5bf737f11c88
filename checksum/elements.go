package checksum

// Elements are the Checksum<ALGORITHM> elements of S3's XML documents,
// one per algorithm: a part's in CompleteMultipartUpload and ListParts,
// an object's in the CompleteMultipartUpload, CopyObject, UploadPartCopy
// and GetObjectAttributes results. Embedded in a document type, they
// encode as its children; each is omitted when empty. The server and the
// Go SDK share them.
type Elements struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
	ChecksumMD5       string `xml:"ChecksumMD5,omitempty"`
	ChecksumSHA512    string `xml:"ChecksumSHA512,omitempty"`
	ChecksumXXHASH64  string `xml:"ChecksumXXHASH64,omitempty"`
	ChecksumXXHASH3   string `xml:"ChecksumXXHASH3,omitempty"`
	ChecksumXXHASH128 string `xml:"ChecksumXXHASH128,omitempty"`
}

// Field is the element carrying alg's value; nil for a name that is not
// an S3 algorithm.
func (e *Elements) Field(alg Algorithm) *string {
	switch alg {
	case CRC32:
		return &e.ChecksumCRC32
	case CRC32C:
		return &e.ChecksumCRC32C
	case CRC64NVME:
		return &e.ChecksumCRC64NVME
	case SHA1:
		return &e.ChecksumSHA1
	case SHA256:
		return &e.ChecksumSHA256
	case MD5:
		return &e.ChecksumMD5
	case SHA512:
		return &e.ChecksumSHA512
	case XXHASH64:
		return &e.ChecksumXXHASH64
	case XXHASH3:
		return &e.ChecksumXXHASH3
	case XXHASH128:
		return &e.ChecksumXXHASH128
	}
	return nil
}

// ElementsOf sets the elements of the algorithms sums names; names that
// are not S3 algorithms are left out.
func ElementsOf(sums map[string]string) Elements {
	var e Elements
	for alg, v := range sums {
		if f := e.Field(Algorithm(alg)); f != nil {
			*f = v
		}
	}
	return e
}

// Values returns the elements that are set, by algorithm; nil when none
// is.
func (e Elements) Values() map[Algorithm]string {
	var m map[Algorithm]string
	for _, alg := range All {
		if v := *e.Field(alg); v != "" {
			if m == nil {
				m = make(map[Algorithm]string)
			}
			m[alg] = v
		}
	}
	return m
}
