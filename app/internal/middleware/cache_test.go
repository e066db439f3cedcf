package middleware

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestCacheBuildsEachKeyOnce(t *testing.T) {
	var builds atomic.Int64
	c := newCache(func(k int) *int { builds.Add(1); v := k * 2; return &v })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for k := range 100 {
				if got := *c.get(k); got != 2*k {
					t.Errorf("get(%d) = %d", k, got)
				}
			}
		})
	}
	wg.Wait()
	if n := builds.Load(); n != 100 {
		t.Errorf("%d builds for 100 keys, want 100", n)
	}
	if first, again := c.get(7), c.get(7); first != again {
		t.Error("a cached key returned a different value")
	}
}

func TestCacheStopsGrowingAtItsBound(t *testing.T) {
	builds := 0
	c := newCache(func(k int) int { builds++; return k })
	for k := range maxCached + 10 {
		if c.get(k) != k {
			t.Fatalf("get(%d) wrong", k)
		}
	}
	if c.len() != maxCached {
		t.Fatalf("cache holds %d entries, want the bound %d", c.len(), maxCached)
	}
	before := builds
	if c.get(maxCached+5) != maxCached+5 || builds != before+1 {
		t.Error("a key past the bound must still be built, per call")
	}
	if c.get(3); builds != before+1 {
		t.Error("a cached key was rebuilt")
	}
}
