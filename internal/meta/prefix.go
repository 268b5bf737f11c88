package meta

// PrefixEnd returns the smallest key greater than every key that starts
// with p, or nil when there is none (p is all 0xff): the upper bound of a
// prefix scan, and the seek that skips a whole prefix.
func PrefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// EachEntry calls fn with every key that starts with p and its value, in
// order; both are valid only during the call. An error from fn ends the
// walk and is returned.
func EachEntry(r Reader, p []byte, fn func(k, v []byte) error) error {
	it, err := r.NewIter(p, PrefixEnd(p))
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.Value()
		if err != nil {
			return err
		}
		if err := fn(it.Key(), v); err != nil {
			return err
		}
	}
	return it.Err()
}
