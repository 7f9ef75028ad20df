package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: each doubling of latency is cut
// into 1<<subBits buckets of equal width, so a bucket is at most 1/32
// (3.1%) of its values wide.
const subBits = 5

// numBuckets covers every duration up to math.MaxInt64 nanoseconds: the
// values below 1<<subBits exactly, then 1<<subBits buckets for each of the
// remaining powers of two.
const numBuckets = (64 - subBits) << subBits

// Histogram counts latencies in fixed buckets of about 3% relative width,
// from a nanosecond to the longest time.Duration. Recording is an index
// computation and an increment, with no allocation, so that each worker
// can keep its own and the load generator takes no noticeable CPU from the
// servers it measures; Merge adds the workers' together at the end. The
// zero Histogram is empty and ready to use. A Histogram is not safe for
// concurrent use.
type Histogram struct {
	counts [numBuckets]int64
	n      int64
	max    time.Duration
}

// bucket returns the index of the bucket that holds d.
func bucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 1<<subBits {
		return int(v)
	}
	// v is in [2^k, 2^(k+1)); its subBits bits below the leading one pick
	// the bucket within that doubling.
	k := bits.Len64(v) - 1
	sub := int(v>>(k-subBits)) - 1<<subBits
	return (k-subBits+1)<<subBits + sub
}

// upperBound returns the largest duration that falls in bucket i.
func upperBound(i int) time.Duration {
	if i < 1<<subBits {
		return time.Duration(i)
	}
	k := i>>subBits + subBits - 1
	sub := uint64(i & (1<<subBits - 1))
	width := uint64(1) << (k - subBits)
	high := (1<<subBits+sub)*width + width - 1
	return time.Duration(min(high, math.MaxInt64))
}

// Record counts one latency.
func (h *Histogram) Record(d time.Duration) {
	h.counts[bucket(d)]++
	h.n++
	h.max = max(h.max, d)
}

// Merge adds the latencies counted in o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count returns the number of latencies recorded.
func (h *Histogram) Count() int64 { return h.n }

// Max returns the longest latency recorded, exactly, or 0 if none was.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile returns the latency that a fraction q (0 < q ≤ 1) of the
// recorded ones do not exceed: the upper bound of the bucket that holds
// the ⌈q·n⌉-th shortest, at most Max. It overstates the true quantile by
// less than 3.2%, never understates it, and returns 0 when nothing was
// recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(h.n))), 1)
	var seen int64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			return min(upperBound(i), h.max)
		}
	}
	return h.max
}
