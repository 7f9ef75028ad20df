package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/jsonb"
	"github.com/sessiongen/sessiongen/runtime"
)

// expectStart is the data each of expectCases starts from.
func expectStart() map[string]json.RawMessage {
	return data("a", `1`, "b", `"x"`, "c", `{"x":1,"y":2}`, "n", `null`)
}

// expectCases are conditional writes to a session that holds expectStart.
// want is nil when the condition holds, runtime.ErrConflict when it does
// not.
var expectCases = []struct {
	name   string
	expect map[string]json.RawMessage
	want   error
}{
	{"the value is still there", data("a", `1`), nil},
	{"values are compared as JSON", data("a", `1.0`, "c", `{ "y": 2, "x": 1 }`), nil},
	{"every key holds its value", data("a", `1`, "b", `"x"`, "n", `null`), nil},
	{"a key expected absent is absent", map[string]json.RawMessage{"zz": nil}, nil},
	{"absent and present keys together", map[string]json.RawMessage{"a": json.RawMessage(`1`), "zz": nil}, nil},
	{"a value changed", data("a", `2`), runtime.ErrConflict},
	{"a string is not the number it spells", data("a", `"1"`), runtime.ErrConflict},
	{"an object must be equal, not merely contain", data("c", `{"x":1}`), runtime.ErrConflict},
	{"one key of several changed", data("a", `1`, "b", `"y"`), runtime.ErrConflict},
	{"a key expected absent is present", map[string]json.RawMessage{"b": nil}, runtime.ErrConflict},
	{"null is not absent", map[string]json.RawMessage{"n": nil}, runtime.ErrConflict},
	{"absent is not null", data("zz", `null`), runtime.ErrConflict},
	{"an expected key is absent", data("zz", `1`), runtime.ErrConflict},
}

// expectConds are expectCases as the writes they make under their
// conditions: one key set, one deleted.
func expectConds() []condCase {
	var cs []condCase
	for _, tc := range expectCases {
		c := runtime.Change{Set: data("d", `true`), Delete: []string{"b"}, Expect: tc.expect}
		cs = append(cs, condCase{tc.name, c, tc.want})
	}
	return cs
}

var expectTests = []test{
	{"UpdateExpect", func(t *testing.T, s runtime.Store) { checkConditional(t, s, expectStart, expectConds(), false) }},
	{"CycleExpect", func(t *testing.T, s runtime.Store) { checkConditional(t, s, expectStart, expectConds(), true) }},
	{"ExpectAfterAConcurrentChange", func(t *testing.T, s runtime.Store) {
		// A request loads, another changes a key, and the first one's
		// conditional write on that key must fail and write nothing.
		h := create(t, s, data("a", `1`, "b", `2`), live())
		seen := load(t, s, h).Data
		exp := live().Add(time.Hour)
		other := runtime.Change{Set: data("a", `10`), ExpiresAt: exp}
		if err := s.Update(context.Background(), h, other); err != nil {
			t.Fatalf("Update: %v", err)
		}
		c := runtime.Change{Set: data("a", `2`, "c", `3`), Expect: map[string]json.RawMessage{"a": seen["a"]}, ExpiresAt: live()}
		wantErrorIs(t, "conditional Update", s.Update(context.Background(), h, c), runtime.ErrConflict)
		wantErrorIs(t, "conditional Cycle", s.Cycle(context.Background(), h, newHash(t), c), runtime.ErrConflict)
		wantRecord(t, s, h, data("a", `10`, "b", `2`), exp)
	}},
	{"ExpectOnAMissingSessionIsNotFound", func(t *testing.T, s runtime.Store) {
		// ErrConflict would make the middleware reload and try again;
		// a session that is gone must read as gone.
		sessions := []struct {
			name string
			hash func(t *testing.T) runtime.TokenHash
		}{
			{"never created", newHash},
			{"expired", func(t *testing.T) runtime.TokenHash { return create(t, s, data("a", `1`), expired()) }},
			{"deleted", func(t *testing.T) runtime.TokenHash {
				h := create(t, s, data("a", `1`), live())
				if err := s.Delete(context.Background(), h); err != nil {
					t.Fatalf("Delete: %v", err)
				}
				return h
			}},
		}
		expects := []map[string]json.RawMessage{data("a", `1`), data("a", `2`), {"a": nil}}
		for _, sess := range sessions {
			for _, expect := range expects {
				t.Run(fmt.Sprintf("%s/expect %s", sess.name, show(expect)), func(t *testing.T) {
					h := sess.hash(t)
					c := runtime.Change{Set: data("b", `2`), Expect: expect, MaxSize: 1 << 20, ExpiresAt: live()}
					wantNotFound(t, "Update", s.Update(context.Background(), h, c))
					next := newHash(t)
					wantNotFound(t, "Cycle", s.Cycle(context.Background(), h, next, c))
					wantAbsent(t, s, h)
					wantAbsent(t, s, next)
				})
			}
		}
	}},
	{"ConcurrentCompareAndSet", func(t *testing.T, s runtime.Store) {
		// Each writer increments a counter by a conditional write on the
		// value it loaded, retrying on ErrConflict: with the check and the
		// write one step, no increment is lost.
		const writers, increments = 8, 5
		h := create(t, s, data("n", `0`), live())
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for range increments {
					if err := increment(s, h); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got := load(t, s, h).Data["n"]
		if want := strconv.Itoa(writers * increments); !jsonb.Equal(got, []byte(want)) {
			t.Errorf("counter = %s after %d increments, want %s", got, writers*increments, want)
		}
	}},
}

// increment adds one to the counter "n" of the session under h by a
// conditional write, reloading and trying again while it conflicts.
func increment(s runtime.Store, h runtime.TokenHash) error {
	ctx := context.Background()
	for {
		rec, err := s.Load(ctx, h)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		n, err := strconv.Atoi(string(rec.Data["n"]))
		if err != nil {
			return fmt.Errorf("counter %s: %w", rec.Data["n"], err)
		}
		c := runtime.Change{
			Set:       data("n", strconv.Itoa(n+1)),
			Expect:    map[string]json.RawMessage{"n": rec.Data["n"]},
			ExpiresAt: rec.ExpiresAt,
		}
		err = s.Update(ctx, h, c)
		if !errors.Is(err, runtime.ErrConflict) {
			return err
		}
	}
}
