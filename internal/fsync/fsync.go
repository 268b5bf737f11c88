// Package fsync makes directory entries durable: after a file is created,
// renamed or removed, the directory that holds it must be synced too, or
// a crash can take the entry back even though the file's data was synced.
package fsync

import "os"

// Dir syncs the directory dir, making the entries created, renamed or
// removed in it durable.
func Dir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
