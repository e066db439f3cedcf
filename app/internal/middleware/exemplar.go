package middleware

import (
	"sort"
	"sync/atomic"
	"time"
)

// ExemplarInterval is the least time between two exemplars on one counter
// series or one histogram bucket of a series.
//
// client_golang builds a protobuf exemplar (timestamp, label pairs) for
// every call with an exemplar and re-sorts the native histogram's exemplar
// set; with every request sampled that was the largest cost of this
// middleware. A scrape only ever sees the latest exemplar of a counter and
// of each classic bucket (and the native histogram keeps ten, spread by
// value), and scrapes are seconds apart, so offering one per bucket per
// second loses nothing a dashboard can show. Pacing per bucket, not per
// series, keeps the rare slow request: it lands in a bucket whose last
// exemplar is old and gets its own.
const ExemplarInterval = time.Second

// exemplarClocks holds, per counter series and per histogram bucket, when
// the last exemplar was taken, as time since Metrics.epoch (monotonic).
type exemplarClocks struct {
	counter atomic.Int64
	buckets [len(durationBounds) + 1]atomic.Int64
}

func (c *exemplarClocks) claimCounter(now time.Duration) bool {
	return claim(&c.counter, now)
}

// claimBucket claims the classic bucket that seconds falls in: the first
// upper bound (le) that is not below it, or +Inf.
func (c *exemplarClocks) claimBucket(seconds float64, now time.Duration) bool {
	return claim(&c.buckets[sort.SearchFloat64s(durationBounds[:], seconds)], now)
}

// claim reports whether the caller may take the exemplar: the first call
// always may, later ones once ExemplarInterval has passed since the last
// claim. Of concurrent callers, one wins.
func claim(last *atomic.Int64, now time.Duration) bool {
	prev := last.Load()
	if prev != 0 && now-time.Duration(prev) < ExemplarInterval {
		return false
	}
	return last.CompareAndSwap(prev, int64(now))
}
