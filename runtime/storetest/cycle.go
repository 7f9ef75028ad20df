package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

var cycleTests = []test{
	{"Cycle", func(t *testing.T, s runtime.Store) {
		old := create(t, s, data("a", `1`, "b", `"x"`), live())
		next := newHash(t)
		exp := live().Add(time.Hour)
		c := runtime.Change{Set: data("c", `[3]`), Delete: []string{"a"}}
		if err := s.Cycle(context.Background(), old, next, withExpiry(c, exp)); err != nil {
			t.Fatalf("Cycle: %v", err)
		}
		wantAbsent(t, s, old)
		wantRecord(t, s, next, data("b", `"x"`, "c", `[3]`), exp)
	}},
	{"CycleWithoutChange", func(t *testing.T, s runtime.Store) {
		old := create(t, s, data("a", `1`), live())
		next := newHash(t)
		exp := live()
		if err := s.Cycle(context.Background(), old, next, runtime.Change{ExpiresAt: exp}); err != nil {
			t.Fatalf("Cycle: %v", err)
		}
		wantAbsent(t, s, old)
		wantRecord(t, s, next, data("a", `1`), exp)
	}},
	{"CycleMissing", func(t *testing.T, s runtime.Store) {
		old, next := newHash(t), newHash(t)
		err := s.Cycle(context.Background(), old, next, runtime.Change{Set: data("a", "1"), ExpiresAt: live()})
		wantNotFound(t, "Cycle", err)
		wantAbsent(t, s, old)
		wantAbsent(t, s, next)
	}},
	{"CycleExpired", func(t *testing.T, s runtime.Store) {
		old := create(t, s, data("a", "1"), expired())
		next := newHash(t)
		err := s.Cycle(context.Background(), old, next, runtime.Change{Set: data("b", "2"), ExpiresAt: live()})
		wantNotFound(t, "Cycle", err)
		wantAbsent(t, s, old)
		wantAbsent(t, s, next)
	}},
	{"CycleOntoALiveSessionFails", func(t *testing.T, s runtime.Store) {
		exp := live()
		a := create(t, s, data("a", "1"), exp)
		b := create(t, s, data("b", "2"), exp)
		err := s.Cycle(context.Background(), a, b, runtime.Change{Set: data("c", "3"), ExpiresAt: live()})
		wantFailure(t, "Cycle onto a live session", err)
		wantRecord(t, s, a, data("a", "1"), exp)
		wantRecord(t, s, b, data("b", "2"), exp)
	}},
	{"CycleInvalidJSON", func(t *testing.T, s runtime.Store) {
		exp := live()
		old := create(t, s, data("a", "1"), exp)
		next := newHash(t)
		err := s.Cycle(context.Background(), old, next, runtime.Change{Set: data("bad", `nope`), ExpiresAt: live()})
		wantFailure(t, "Cycle with invalid JSON", err)
		wantRecord(t, s, old, data("a", "1"), exp)
		wantAbsent(t, s, next)
	}},
}
