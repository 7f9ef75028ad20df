package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// writers is how many goroutines the concurrency checks run at once.
const writers = 50

var concurrencyTests = []test{
	{"ConcurrentUpdatesOfDifferentKeys", func(t *testing.T, s runtime.Store) {
		// Per-key writes: every writer's key survives the others.
		exp := live()
		h := create(t, s, data("kept", `"yes"`), exp)
		want := data("kept", `"yes"`)
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			k := fmt.Sprintf("k%02d", i)
			want[k] = json.RawMessage(fmt.Sprint(i))
			wg.Go(func() {
				c := runtime.Change{Set: data(k, fmt.Sprint(i))}
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
	{"ConcurrentUpdatesAndDelete", func(t *testing.T, s runtime.Store) {
		// A Delete (a sign-out) racing with Updates stays deleted.
		h := create(t, s, data("a", "1"), live())
		errs := make(chan error, writers+1)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				c := runtime.Change{Set: data(fmt.Sprintf("k%02d", i), "1")}
				if err := s.Update(context.Background(), h, withExpiry(c, live())); err != nil && !errors.Is(err, runtime.ErrNotFound) {
					errs <- fmt.Errorf("update: %w", err)
				}
			})
			if i == writers/2 {
				wg.Go(func() {
					if err := s.Delete(context.Background(), h); err != nil {
						errs <- fmt.Errorf("delete: %w", err)
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		wantAbsent(t, s, h)
	}},
	{"ConcurrentCreates", func(t *testing.T, s runtime.Store) {
		hashes := make([]runtime.TokenHash, writers)
		for i := range hashes {
			hashes[i] = newHash(t)
		}
		exp := live()
		var wg sync.WaitGroup
		for i, h := range hashes {
			wg.Go(func() {
				if err := s.Create(context.Background(), h, runtime.Record{Data: data("i", fmt.Sprint(i)), ExpiresAt: exp}); err != nil {
					t.Errorf("Create: %v", err)
				}
			})
		}
		wg.Wait()
		for i, h := range hashes {
			wantRecord(t, s, h, data("i", fmt.Sprint(i)), exp)
		}
	}},
}
