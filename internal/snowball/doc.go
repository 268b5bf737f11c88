// Package snowball extracts a tar archive uploaded to be stored as many
// objects (MinIO's "snowball" auto-extract PUT): one object per regular
// file, and a zero-byte "dir/" object per explicit directory entry.
//
// The archive is untrusted. Every entry's name is checked before anything
// of that entry reaches the caller: absolute names, "." and ".." path
// elements, NUL bytes, invalid UTF-8 and keys over 1024 bytes fail the
// whole extraction. Symbolic and hard links, devices and other special
// entries are skipped, never followed.
//
// A stream cannot be validated in full before it is consumed, so Extract
// hands over each entry as soon as its header is checked; an error later
// in the archive (a hostile name, truncation, a bad gzip checksum) comes
// after earlier entries were handed over. A caller that must store all
// or nothing stages the entries and commits them only when Extract
// returns nil.
package snowball
