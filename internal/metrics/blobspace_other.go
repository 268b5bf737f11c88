//go:build !unix

package metrics

import "errors"

func filesystemSpace(string) (total, used, avail uint64, err error) {
	return 0, 0, 0, errors.New("filesystem space is not read on this platform")
}
