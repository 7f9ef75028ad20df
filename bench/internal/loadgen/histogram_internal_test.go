package loadgen

import (
	"math"
	"testing"
	"time"
)

// TestBuckets checks that the buckets tile the durations: each bucket's
// upper bound falls in it, the next duration in the next bucket, and no
// bucket is wider than 1/32 of its values.
func TestBuckets(t *testing.T) {
	for i := range numBuckets {
		high := upperBound(i)
		if got := bucket(high); got != i {
			t.Fatalf("upperBound(%d) = %d falls in bucket %d", i, high, got)
		}
		if i == numBuckets-1 {
			if high != math.MaxInt64 {
				t.Errorf("the last bucket ends at %d, want math.MaxInt64", high)
			}
			break
		}
		if got := bucket(high + 1); got != i+1 {
			t.Fatalf("upperBound(%d)+1 = %d falls in bucket %d, want %d", i, high+1, got, i+1)
		}
		low := time.Duration(0)
		if i > 0 {
			low = upperBound(i-1) + 1
		}
		if width := high - low + 1; width > 1 && float64(width) > float64(low)/(1<<subBits) {
			t.Errorf("bucket %d [%d, %d] is %d wide, more than 1/32 of %d", i, low, high, width, low)
		}
	}
	if got := bucket(-time.Second); got != 0 {
		t.Errorf("a negative duration falls in bucket %d, want 0", got)
	}
}
