package object

import "strings"

// Keyspace tags: the first byte of every metadata key.
const (
	tagBucket   = 'B'
	tagObject   = 'O'
	tagInline   = 'D'
	tagBlobRef  = 'R'
	tagGCQueue  = 'G'
	lockBucket  = "lb/"
	lockObject  = "lo/"
	keySeparate = '/'
)

func bucketKey(bucket string) []byte {
	return append([]byte{tagBucket}, bucket...)
}

// objectPrefix is the first O-key of bucket; every object key of the
// bucket starts with it.
func objectPrefix(bucket string) []byte {
	k := make([]byte, 0, 2+len(bucket))
	k = append(k, tagObject)
	k = append(k, bucket...)
	return append(k, keySeparate)
}

func objectKey(bucket, key string) []byte {
	return append(objectPrefix(bucket), key...)
}

func inlineKey(uid string) []byte { return append([]byte{tagInline}, uid...) }

func blobRefPrefix(blobID string) []byte {
	k := append([]byte{tagBlobRef}, blobID...)
	return append(k, keySeparate)
}

func blobRefKey(blobID, uid string) []byte { return append(blobRefPrefix(blobID), uid...) }

func gcQueueKey(blobID string) []byte { return append([]byte{tagGCQueue}, blobID...) }

func bucketLockName(bucket string) []byte { return []byte(lockBucket + bucket) }

func objectLockName(bucket, key string) []byte {
	var b strings.Builder
	b.Grow(len(lockObject) + len(bucket) + 1 + len(key))
	b.WriteString(lockObject)
	b.WriteString(bucket)
	b.WriteByte(keySeparate)
	b.WriteString(key)
	return []byte(b.String())
}
