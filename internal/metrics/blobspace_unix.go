//go:build unix

package metrics

import "golang.org/x/sys/unix"

// filesystemSpace reports the size, used and available bytes of the
// filesystem holding dir. Used is the filesystem's used space (blocks
// minus free blocks): it counts anything else stored on that
// filesystem, and no directory walk is needed to find it. Available is
// what an unprivileged writer may still use.
func filesystemSpace(dir string) (total, used, avail uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, 0, err
	}
	bs := uint64(st.Bsize)
	return uint64(st.Blocks) * bs, (uint64(st.Blocks) - uint64(st.Bfree)) * bs, uint64(st.Bavail) * bs, nil
}
