package lifecycle

import (
	"bytes"
	"sync"
)

// Cache keeps each bucket's compiled rules with the stored document they
// were compiled from, so that a document that did not change is not
// parsed again: the S3 API evaluates a bucket's rules for the headers of
// every object request, and the scanner for every page it reads. It is
// safe for concurrent use.
type Cache struct {
	buckets sync.Map // bucket name → *compiled
}

type compiled struct {
	stored []byte
	rules  *Rules
}

// Rules returns the compiled rules of stored, the bucket's document as
// the object layer returned it.
func (c *Cache) Rules(bucket string, stored []byte) (*Rules, error) {
	if e, ok := c.buckets.Load(bucket); ok && sameDocument(e.(*compiled).stored, stored) {
		return e.(*compiled).rules, nil
	}
	rules, err := Parse(stored)
	if err != nil {
		return nil, err
	}
	c.buckets.Store(bucket, &compiled{stored: stored, rules: rules})
	return rules, nil
}

// Forget drops what is kept of a bucket that has no rules (any more).
func (c *Cache) Forget(bucket string) {
	// A Delete of a name that was never stored can take the map's lock;
	// most buckets have no rules, and this is on every request to them.
	if _, ok := c.buckets.Load(bucket); ok {
		c.buckets.Delete(bucket)
	}
}

// sameDocument: the object layer's cache hands out the same bytes until
// the document changes, so comparing them is usually a pointer check.
func sameDocument(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0] || bytes.Equal(a, b)
}
