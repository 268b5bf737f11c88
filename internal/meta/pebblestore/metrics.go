package pebblestore

import "github.com/cockroachdb/pebble/v2"

// Metrics returns Pebble's own figures (compactions, caches, WAL), or
// nil once the store is closed.
func (s *Store) Metrics() *pebble.Metrics {
	if err := s.enter(); err != nil {
		return nil
	}
	defer s.mu.RUnlock()
	return s.db.Metrics()
}
