package middleware

import (
	"maps"
	"sync"
	"sync/atomic"
)

// maxCached bounds a cache. Its keys come from the router's patterns, the
// standard methods and the status codes handlers write, so real services stay
// far below it; past it, values are built per request instead of growing the
// map.
const maxCached = 4096

// cache holds values that are expensive to build per request (metric
// handles, loggers with pre-encoded attributes) for a small, bounded key
// space. Reads are lock-free: the map is replaced, never changed, so a
// request only loads a pointer and looks its key up. Writes copy the map,
// which is cheap because they happen once per key.
type cache[K comparable, V any] struct {
	build func(K) V
	mu    sync.Mutex
	m     atomic.Pointer[map[K]V]
}

func newCache[K comparable, V any](build func(K) V) *cache[K, V] {
	return &cache[K, V]{build: build}
}

// get returns the value for k, building and storing it on first use.
func (c *cache[K, V]) get(k K) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
		if len(*old) >= maxCached {
			return c.build(k)
		}
	}
	v := c.build(k)
	next := make(map[K]V, c.len()+1)
	if old != nil {
		maps.Copy(next, *old)
	}
	next[k] = v
	c.m.Store(&next)
	return v
}

func (c *cache[K, V]) len() int {
	if m := c.m.Load(); m != nil {
		return len(*m)
	}
	return 0
}
