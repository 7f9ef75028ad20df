package cachestore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// gate wraps a store and, when armed, parks the next Load or Update after
// the wrapped store has answered: the moment between reading PostgreSQL and
// filling the cache, or between committing a write and invalidating it.
type gate struct {
	runtime.Store
	load, update  atomic.Bool   // armed
	parked, leave chan struct{} // signals the park; releases it
}

func newGate(s runtime.Store) *gate {
	return &gate{Store: s, parked: make(chan struct{}), leave: make(chan struct{})}
}

func (g *gate) park() {
	g.parked <- struct{}{}
	<-g.leave
}

func (g *gate) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	rec, err := g.Store.Load(ctx, h)
	if g.load.CompareAndSwap(true, false) {
		g.park()
	}
	return rec, err
}

func (g *gate) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	err := g.Store.Update(ctx, h, c)
	if g.update.CompareAndSwap(true, false) {
		g.park()
	}
	return err
}

// wait waits for the gate to park a call, failing t after a deadline.
func (g *gate) wait(t *testing.T) {
	t.Helper()
	select {
	case <-g.parked:
	case <-time.After(15 * time.Second):
		t.Fatal("the gated call never arrived")
	}
}

// TestStaleFillsNeverLand drives the read-through race step by step. A
// reader misses and reads the session from PostgreSQL; before it fills the
// cache, a writer commits a change and invalidates. Whatever the order of
// the fill and the invalidation, the cache must not end up holding the
// session as it was before the write.
func TestStaleFillsNeverLand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		// race runs the write while the reader is parked after its
		// PostgreSQL read; writer is a store over the gate wg.
		race func(t *testing.T, h runtime.TokenHash, reader, writer runtime.Store, rg, wg *gate, fill func())
	}{
		{"FillAfterInvalidation", func(t *testing.T, h runtime.TokenHash, _, writer runtime.Store, _, _ *gate, fill func()) {
			if err := writer.Update(ctx, h, runtime.Change{Set: data("a", "2"), ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
			fill()
		}},
		{"FillBetweenCommitAndInvalidation", func(t *testing.T, h runtime.TokenHash, _, writer runtime.Store, _, wg *gate, fill func()) {
			wg.update.Store(true)
			done := make(chan error, 1)
			go func() { done <- writer.Update(ctx, h, runtime.Change{Set: data("a", "2"), ExpiresAt: exp}) }()
			wg.wait(t) // committed, not invalidated yet
			fill()     // lands: the generation has not changed
			if !e.cached(t, e.store().Key(h)) {
				t.Error("the fill before the invalidation did not land; the case tests nothing")
			}
			wg.leave <- struct{}{}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}},
		{"GenerationEvictedMidFlight", func(t *testing.T, h runtime.TokenHash, _, _ runtime.Store, _, _ *gate, fill func()) {
			// Redis evicts or expires the generation key meanwhile, and a
			// write behind the cache's back changes the row: a fill must
			// not take an absent generation for an unchanged one.
			key := e.store().Key(h)
			if err := e.rdb.Del(ctx, key+":gen").Err(); err != nil {
				t.Fatal(err)
			}
			if err := e.pg.Update(ctx, h, runtime.Change{Set: data("a", "2"), ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
			fill()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rg, wg := newGate(e.pg), newGate(e.pg)
			readerStore, writerStore := e.storeOver(rg), e.storeOver(wg)
			h := create(t, writerStore, data("a", "1"), runtime.Record{ExpiresAt: exp})
			rg.load.Store(true)
			var got runtime.Record
			var loadErr error
			var loading sync.WaitGroup
			loading.Go(func() { got, loadErr = readerStore.Load(ctx, h) })
			rg.wait(t) // the reader has read {"a":1} and not filled yet
			filled := false
			tt.race(t, h, readerStore, writerStore, rg, wg, func() {
				rg.leave <- struct{}{}
				loading.Wait()
				filled = true
			})
			if !filled {
				t.Fatal("the case never let the reader fill")
			}
			if loadErr != nil || show(got.Data) != `{"a":1}` {
				t.Fatalf("the parked read = %s, %v; want the data before the write", show(got.Data), loadErr)
			}
			for _, s := range []runtime.Store{readerStore, writerStore, e.store()} {
				wantData(t, s, h, data("a", "2"))
			}
		})
	}
}
