package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// sizeStart is the data each of sizeCases starts from: 101 bytes, the key
// "a" and a string of 100.
func sizeStart() map[string]json.RawMessage { return data("a", str(100)) }

// sizeCases are writes under a size bound to a session that holds
// sizeStart. want is nil when the write is allowed, runtime.ErrTooLarge
// when it is not.
var sizeCases = []condCase{
	{"growth up to the bound", runtime.Change{Set: data("b", str(99)), MaxSize: 201}, nil},
	{"growth past the bound", runtime.Change{Set: data("b", str(100)), MaxSize: 201}, runtime.ErrTooLarge},
	{"keys count", runtime.Change{Set: data("bb", str(99)), MaxSize: 201}, runtime.ErrTooLarge},
	{"a larger value past the bound", runtime.Change{Set: data("a", str(201)), MaxSize: 201}, runtime.ErrTooLarge},
	{"growth with a delete past the bound", runtime.Change{Set: data("b", str(150), "c", str(150)), Delete: []string{"a"}, MaxSize: 250}, runtime.ErrTooLarge},
	{"no bound", runtime.Change{Set: data("b", str(100_000)), MaxSize: 0}, nil},
	{"an oversized session shrinks", runtime.Change{Set: data("a", str(60)), MaxSize: 50}, nil},
	{"an oversized session keeps its size", runtime.Change{Set: data("a", `"`+strings.Repeat("y", 98)+`"`), MaxSize: 50}, nil},
	{"an oversized session only moves its expiry", runtime.Change{MaxSize: 50}, nil},
	{"an oversized session swaps a key for a smaller one", runtime.Change{Set: data("b", str(50)), Delete: []string{"a"}, MaxSize: 50}, nil},
	{"an oversized session loses every key", runtime.Change{Delete: []string{"a"}, MaxSize: 50}, nil},
	{"an oversized session cannot grow", runtime.Change{Set: data("a", str(101)), MaxSize: 50}, runtime.ErrTooLarge},
	{"an oversized session cannot gain a key", runtime.Change{Set: data("b", `1`), MaxSize: 50}, runtime.ErrTooLarge},
}

var sizeTests = []test{
	{"UpdateMaxSize", func(t *testing.T, s runtime.Store) { checkConditional(t, s, sizeStart, sizeCases, false) }},
	{"CycleMaxSize", func(t *testing.T, s runtime.Store) { checkConditional(t, s, sizeStart, sizeCases, true) }},
	{"MaxSizeCountsWhatLoadReturns", func(t *testing.T, s runtime.Store) {
		// A store may return a value in another form than it was given
		// (PostgreSQL's jsonb adds spaces and rewrites numbers and
		// escapes); the bound counts the form Load returns, exactly.
		values := []struct{ key, value string }{
			{"list", `[1,2,3]`},
			{"object", `{"n":1e2,"s":"\u00e9","t":[true,null]}`},
			{"escaped", `"a \"quoted\" word, a tab\t and \/"`},
			{`a "quoted" key`, `1.50`},
			{"big number", `1e1000`},
		}
		for _, v := range values {
			t.Run(v.key, func(t *testing.T) {
				// Learn the size of the value as this store returns it.
				probe := create(t, s, data(v.key, v.value), live())
				grown := sizeOf(load(t, s, probe).Data)
				start := sizeStart()
				for _, max := range []int{sizeOf(start) + grown, sizeOf(start) + grown - 1} {
					exp := live()
					h := create(t, s, start, exp)
					c := runtime.Change{Set: data(v.key, v.value), MaxSize: max, ExpiresAt: live().Add(time.Hour)}
					err := s.Update(context.Background(), h, c)
					if max == sizeOf(start)+grown {
						if err != nil {
							t.Errorf("Update to exactly MaxSize %d: %v", max, err)
						}
						continue
					}
					wantErrorIs(t, fmt.Sprintf("Update to one byte over MaxSize %d", max), err, runtime.ErrTooLarge)
					wantRecord(t, s, h, start, exp)
				}
			})
		}
	}},
	{"ConcurrentGrowthStaysBounded", func(t *testing.T, s runtime.Store) {
		// Writers each add a large key at once: the bound is checked in
		// the write itself, so they cannot all pass it together.
		const writers, valueSize, maxSize = 8, 40_000, 64 << 10
		exp := live()
		h := create(t, s, data("base", str(100)), exp)
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				c := runtime.Change{Set: data(fmt.Sprintf("k%d", i), str(valueSize)), MaxSize: maxSize, ExpiresAt: exp}
				errs[i] = s.Update(context.Background(), h, c)
			})
		}
		wg.Wait()
		want := []string{"base"}
		for i, err := range errs {
			switch {
			case err == nil:
				want = append(want, fmt.Sprintf("k%d", i))
			case !errors.Is(err, runtime.ErrTooLarge):
				t.Errorf("writer %d: got error %v, want nil or one wrapping ErrTooLarge", i, err)
			}
		}
		got := load(t, s, h).Data
		if n := sizeOf(got); n > maxSize {
			t.Errorf("stored session is %d bytes, over MaxSize %d", n, maxSize)
		}
		if len(want) == 1 {
			t.Error("no writer succeeded")
		}
		if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, slices.Sorted(slices.Values(want))) {
			t.Errorf("stored keys %q, want the base and the writers that succeeded, %q", keys, want)
		}
	}},
}

// sizeOf returns the size of session data as the contract counts it: the
// bytes of its keys and JSON values, as Load returns them.
func sizeOf(d map[string]json.RawMessage) int {
	n := 0
	for k, v := range d {
		n += len(k) + len(v)
	}
	return n
}

// str returns a JSON string of n bytes, quotes included (n >= 2), which
// every store returns as it was given: it has nothing to escape or
// reformat, so its size is the same whichever store counts it.
func str(n int) string {
	return `"` + strings.Repeat("x", n-2) + `"`
}
