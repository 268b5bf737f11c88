package object

import (
	"sync"
	"sync/atomic"
)

// configCache keeps the bucket configuration documents this server has
// read, because every request consults some of them (the default
// encryption on each PUT, CORS, policies) and they change rarely.
//
// Consistency: a reader notes the generation before it reads the store
// and keeps what it read only under that generation; a writer bumps the
// generation after its change committed and before it answers. So once a
// change is acknowledged, no reader can be served what was read before
// it. Servers sharing a metadata store (Options.Shared) do not
// use it, since a change through another server would reach them only
// when they next polled.
type configCache struct {
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[configCacheKey]cachedConfig
	// at is the generation m was filled under: a bump empties the map,
	// which keeps it bounded by the live documents.
	at uint64
}

type configCacheKey struct{ bucket, name string }

// cachedConfig is a document, or nil for "the bucket has none".
type cachedConfig struct{ doc []byte }

func (c *configCache) get(bucket, name string, gen uint64) (cachedConfig, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != gen {
		return cachedConfig{}, false
	}
	e, ok := c.m[configCacheKey{bucket, name}]
	return e, ok
}

// put keeps what was read under gen, unless the generation moved on.
func (c *configCache) put(bucket, name string, gen uint64, e cachedConfig) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen.Load() {
		return
	}
	if c.at != gen || c.m == nil {
		c.m, c.at = make(map[configCacheKey]cachedConfig), gen
	}
	c.m[configCacheKey{bucket, name}] = e
}

// bump invalidates everything cached.
func (c *configCache) bump() { c.gen.Add(1) }
