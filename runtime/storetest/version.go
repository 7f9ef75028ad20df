package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// versioned returns c made against rec, as the middleware makes a save:
// with rec's version and the whole data after c.
func versioned(rec runtime.Record, c runtime.Change) runtime.Change {
	d := maps.Clone(rec.Data)
	if d == nil {
		d = map[string]json.RawMessage{}
	}
	for _, k := range c.Delete {
		delete(d, k)
	}
	maps.Copy(d, c.Set)
	c.Version, c.Data = rec.Version, d
	return c
}

// versionTests check changes that carry the version they were made
// against (Change.Version and Change.Data). A store that versions its
// sessions may write such a change whole; whether it does or not, the
// result is the per-key write, so these run on every store.
var versionTests = []test{
	{"VersionedUpdateAtTheLoadedVersion", func(t *testing.T, s runtime.Store) {
		exp := live()
		h := create(t, s, data("a", "1", "b", "2"), exp)
		c := versioned(load(t, s, h), runtime.Change{Set: data("a", "3"), Delete: []string{"b"}})
		if err := s.Update(context.Background(), h, withExpiry(c, exp)); err != nil {
			t.Fatalf("Update: %v", err)
		}
		wantRecord(t, s, h, data("a", "3"), exp)
	}},
	{"VersionedUpdateAfterAConcurrentWrite", func(t *testing.T, s runtime.Store) {
		// Both requests loaded the same version; the second to save must
		// keep the first one's key, not write its stale copy whole.
		exp := live()
		h := create(t, s, data("a", "1"), exp)
		first, second := load(t, s, h), load(t, s, h)
		if err := s.Update(context.Background(), h, withExpiry(versioned(first, runtime.Change{Set: data("b", "2")}), exp)); err != nil {
			t.Fatalf("first Update: %v", err)
		}
		if err := s.Update(context.Background(), h, withExpiry(versioned(second, runtime.Change{Set: data("c", "3")}), exp)); err != nil {
			t.Fatalf("second Update: %v", err)
		}
		wantRecord(t, s, h, data("a", "1", "b", "2", "c", "3"), exp)
	}},
	{"VersionedUpdateKeepsADeletionByAnother", func(t *testing.T, s runtime.Store) {
		// A key another request deleted since the load is not written back.
		exp := live()
		h := create(t, s, data("a", "1", "b", "2"), exp)
		stale := load(t, s, h)
		if err := s.Update(context.Background(), h, withExpiry(runtime.Change{Delete: []string{"b"}}, exp)); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if err := s.Update(context.Background(), h, withExpiry(versioned(stale, runtime.Change{Set: data("a", "3")}), exp)); err != nil {
			t.Fatalf("versioned Update: %v", err)
		}
		wantRecord(t, s, h, data("a", "3"), exp)
	}},
	{"VersionedUpdateChecksExpectOnTheStoredData", func(t *testing.T, s runtime.Store) {
		exp := live()
		h := create(t, s, data("n", "1"), exp)
		stale := load(t, s, h)
		if err := s.Update(context.Background(), h, withExpiry(runtime.Change{Set: data("n", "2")}, exp)); err != nil {
			t.Fatalf("Update: %v", err)
		}
		c := versioned(stale, runtime.Change{Set: data("n", "10"), Expect: data("n", "1")})
		if err := s.Update(context.Background(), h, withExpiry(c, exp)); !errors.Is(err, runtime.ErrConflict) {
			t.Errorf("compare-and-set at a stale version: got error %v, want ErrConflict", err)
		}
		wantRecord(t, s, h, data("n", "2"), exp)
	}},
	{"VersionedUpdateOfADeletedSession", func(t *testing.T, s runtime.Store) {
		h := create(t, s, data("a", "1"), live())
		stale := load(t, s, h)
		if err := s.Delete(context.Background(), h); err != nil {
			t.Fatal(err)
		}
		err := s.Update(context.Background(), h, withExpiry(versioned(stale, runtime.Change{Set: data("a", "2")}), live()))
		wantNotFound(t, "versioned Update of a deleted session", err)
		_, err = s.Load(context.Background(), h)
		wantNotFound(t, "Load after it", err)
	}},
	{"VersionedUpdateOverMaxSize", func(t *testing.T, s runtime.Store) {
		exp := live()
		h := create(t, s, data("a", `"x"`), exp)
		c := versioned(load(t, s, h), runtime.Change{Set: data("b", `"a long value"`), MaxSize: 10})
		if err := s.Update(context.Background(), h, withExpiry(c, exp)); !errors.Is(err, runtime.ErrTooLarge) {
			t.Errorf("versioned Update past MaxSize: got error %v, want ErrTooLarge", err)
		}
		wantRecord(t, s, h, data("a", `"x"`), exp)
	}},
	{"VersionedCycle", func(t *testing.T, s runtime.Store) {
		exp := live()
		from := create(t, s, data("a", "1"), exp)
		stale := load(t, s, from)
		if err := s.Update(context.Background(), from, withExpiry(runtime.Change{Set: data("b", "2")}, exp)); err != nil {
			t.Fatalf("Update: %v", err)
		}
		to := newHash(t)
		if err := s.Cycle(context.Background(), from, to, withExpiry(versioned(stale, runtime.Change{Set: data("c", "3")}), exp)); err != nil {
			t.Fatalf("versioned Cycle at a stale version: %v", err)
		}
		wantRecord(t, s, to, data("a", "1", "b", "2", "c", "3"), exp)
		_, err := s.Load(context.Background(), from)
		wantNotFound(t, "Load of the old hash", err)
	}},
	{"ConcurrentVersionedUpdates", func(t *testing.T, s runtime.Store) {
		// Writers that loaded the same version, each saving its own key:
		// every key survives, as with unversioned per-key writes.
		exp := live()
		h := create(t, s, data("kept", `"yes"`), exp)
		base := load(t, s, h)
		want := data("kept", `"yes"`)
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			k := fmt.Sprintf("k%02d", i)
			want[k] = json.RawMessage(fmt.Sprint(i))
			wg.Go(func() {
				c := versioned(base, runtime.Change{Set: data(k, fmt.Sprint(i))})
				if err := s.Update(context.Background(), h, withExpiry(c, exp)); err != nil {
					errs <- fmt.Errorf("update of %s: %w", k, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		wantRecord(t, s, h, want, exp)
	}},
	{"ConcurrentCompareAndSetsWithRebase", func(t *testing.T, s runtime.Store) {
		// Increments through Expect, each with a Rebase that increments
		// the stored value instead, as the middleware's does: a store may
		// settle a conflict with it or return ErrConflict, and the caller
		// then tries again; either way no increment is lost.
		exp := live()
		h := create(t, s, data("n", "0"), exp)
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for attempt := 0; ; attempt++ {
					rec, err := s.Load(context.Background(), h)
					if err != nil {
						errs <- err
						return
					}
					err = s.Update(context.Background(), h, incremented(rec, exp))
					if !errors.Is(err, runtime.ErrConflict) || attempt == 1000 {
						if err != nil {
							errs <- fmt.Errorf("increment: %w", err)
						}
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
		wantRecord(t, s, h, data("n", fmt.Sprint(writers)), exp)
	}},
}

// incremented returns the change that adds 1 to the number under "n" of rec,
// as a compare-and-set made against rec, with the expiry exp and a Rebase
// that makes the same change against the session as stored.
func incremented(rec runtime.Record, exp time.Time) runtime.Change {
	var n int
	json.Unmarshal(rec.Data["n"], &n) //nolint:errcheck // a missing n counts from 0
	c := versioned(rec, runtime.Change{
		Set:       data("n", fmt.Sprint(n+1)),
		Expect:    map[string]json.RawMessage{"n": rec.Data["n"]},
		ExpiresAt: exp,
	})
	c.Rebase = func(stored runtime.Record) (runtime.Change, error) {
		next := incremented(stored, exp)
		next.Rebase = nil
		return next, nil
	}
	return c
}
