package loadgen_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/bench/internal/loadgen"
)

func TestHistogramQuantile(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct {
		name   string
		values []time.Duration
		q      float64
		lo, hi time.Duration // the quantile must be in [lo, hi]
	}{
		{"empty", nil, 0.5, 0, 0},
		{"one value, exact", []time.Duration{1234567}, 0.99, 1234567, 1234567},
		{"small values are exact", []time.Duration{3, 7, 9, 31}, 0.5, 7, 7},
		{"median of a 3-to-1 mix", []time.Duration{ms, ms, ms, 20 * ms}, 0.5, ms, ms + ms/32},
		{"p99 of 1 in 10 slow", repeat(9, ms, 1, 20*ms, 10), 0.99, 20 * ms, 20 * ms},
		{"p99 of 1 in 100 slow", repeat(99, ms, 1, 20*ms, 10), 0.99, ms, ms + ms/32},
		{"p99 of 2 in 100 slow", repeat(98, ms, 2, 20*ms, 10), 0.99, 20 * ms, 20 * ms},
		{"q=1 is the max", []time.Duration{ms, 3 * time.Second}, 1, 3 * time.Second, 3 * time.Second},
		{"below the max, the bucket's upper bound", []time.Duration{100 * ms, 100 * ms, time.Hour}, 0.5, 100 * ms, 100*ms + 100*ms/32},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var h loadgen.Histogram
			for _, v := range tt.values {
				h.Record(v)
			}
			if got := h.Quantile(tt.q); got < tt.lo || got > tt.hi {
				t.Errorf("Quantile(%v) = %v, want in [%v, %v]", tt.q, got, tt.lo, tt.hi)
			}
			if h.Count() != int64(len(tt.values)) {
				t.Errorf("Count() = %d, want %d", h.Count(), len(tt.values))
			}
		})
	}
}

// repeat returns n copies of a then m copies of b, the whole times times.
func repeat(n int, a time.Duration, m int, b time.Duration, times int) []time.Duration {
	var out []time.Duration
	for range times {
		for range n {
			out = append(out, a)
		}
		for range m {
			out = append(out, b)
		}
	}
	return out
}

func TestHistogramMerge(t *testing.T) {
	var a, b loadgen.Histogram
	for range 90 {
		a.Record(time.Millisecond)
	}
	for range 10 {
		b.Record(50 * time.Millisecond)
	}
	a.Merge(&b)
	if a.Count() != 100 || a.Max() != 50*time.Millisecond {
		t.Errorf("merged: %d values, max %v; want 100, 50ms", a.Count(), a.Max())
	}
	if p50, p95 := a.Quantile(0.5), a.Quantile(0.95); p50 >= 2*time.Millisecond || p95 < 50*time.Millisecond {
		t.Errorf("merged: p50 %v, p95 %v; want about 1ms and 50ms", p50, p95)
	}
}

// slowEvery returns a server that answers every n-th request after delay
// and the others at once.
func slowEvery(t *testing.T, n int64, delay time.Duration) *httptest.Server {
	t.Helper()
	var count atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if count.Add(1)%n == 0 {
			time.Sleep(delay)
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func target(srv *httptest.Server, workers int) loadgen.Target {
	return loadgen.Target{
		Addr: strings.TrimPrefix(srv.URL, "http://"), Path: "/", CookieName: "sid",
		Cookies: strings.Split(strings.Repeat("c,", workers), ",")[:workers],
	}
}

// TestRunNLatency drives a server that answers one request in ten after
// 50 ms: the median must be in a fast bucket, p99 in a 50 ms one.
func TestRunNLatency(t *testing.T) {
	t.Parallel()
	const delay = 50 * time.Millisecond
	srv := slowEvery(t, 10, delay)
	res, err := loadgen.RunN(target(srv, 2), 2, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.Errors != 0 || res.Latency.Count() != 200 {
		t.Fatalf("%d requests, %d errors (%s), %d latencies; want 200, 0, 200", res.Requests, res.Errors, res.FirstError, res.Latency.Count())
	}
	p50, p99, worst := res.Latency.Quantile(0.5), res.Latency.Quantile(0.99), res.Latency.Max()
	t.Logf("p50 %v, p99 %v, max %v", p50, p99, worst)
	// A delayed answer takes 50 ms and a little more; the bounds leave
	// room for the scheduling of a machine that other work keeps busy.
	if p50 >= delay/2 {
		t.Errorf("p50 = %v, want the bucket of an undelayed answer, under %v", p50, delay/2)
	}
	if p99 < delay || p99 >= 2*delay {
		t.Errorf("p99 = %v, want the bucket of a delayed answer, in [%v, %v)", p99, delay, 2*delay)
	}
	if worst < delay || worst < p99 {
		t.Errorf("max = %v, want at least %v and p99 (%v)", worst, delay, p99)
	}
}

// TestRunForMeasuresOnlyTheWindow checks that the warm-up's latencies are
// left out: the server answers slowly until the measured window opens.
func TestRunForMeasuresOnlyTheWindow(t *testing.T) {
	t.Parallel()
	const slow = time.Second
	var fast atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fast.Load() {
			time.Sleep(slow)
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	// The window opens while the first requests are still held, and
	// outlasts them.
	res, err := loadgen.RunFor(target(srv, 2), 2, slow/2, slow*3/2, func(start bool) {
		if start {
			fast.Store(true)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != 0 || res.Latency.Count() != res.Requests {
		t.Fatalf("%d requests, %d errors (%s), %d latencies", res.Requests, res.Errors, res.FirstError, res.Latency.Count())
	}
	if worst := res.Latency.Max(); worst >= slow/2 {
		t.Errorf("max latency %v: a warm-up request (%v) was measured", worst, slow)
	}
}

// BenchmarkRecord measures what latency recording adds to each request:
// one monotonic clock reading and the count.
//
//	go test -run '^$' -bench Record ./internal/loadgen/
func BenchmarkRecord(b *testing.B) {
	var h loadgen.Histogram
	clock := time.Now()
	last := time.Since(clock)
	for b.Loop() {
		now := time.Since(clock)
		h.Record(now - last)
		last = now
	}
}
