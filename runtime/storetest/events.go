package storetest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// EventStore is a store with lifecycle events, as RunEvents checks it.
type EventStore interface {
	runtime.AdminStore
	runtime.EventBus
}

// EventDelivery counts what a subscriber received of what was published.
type EventDelivery struct {
	Expected, Received, Lost, Duplicated int
}

// RunEvents checks that events published on pub, and the ends pub's
// DeleteExpired and DeleteUserSessions make, reach a subscriber of sub:
// two instances of one application (two pgstores over two pools), or one
// in-process store given twice. Under concurrent publishing none may be
// lost or duplicated while the subscriber listens. It returns the
// concurrent check's counts, for the caller to report.
func RunEvents(t *testing.T, pub, sub EventStore) EventDelivery {
	t.Helper()
	w := Listen(t, sub)
	ctx := context.Background()

	t.Run("Published", func(t *testing.T) {
		created, from := newHash(t), newHash(t)
		want := []runtime.Lifecycle{
			{Kind: runtime.LifecycleCreated, Hash: created, UserID: "u"},
			{Kind: runtime.LifecycleCycled, Hash: created, From: from},
			{Kind: runtime.LifecycleEnded, Hash: created, Reason: runtime.EndSignedOut},
		}
		if err := pub.Publish(ctx, want); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		for _, e := range want {
			got := w.Next(t, func(g runtime.Lifecycle) bool { return g.Kind == e.Kind && g.Hash == e.Hash })
			if got.From != e.From || got.UserID != e.UserID || got.Reason != e.Reason {
				t.Errorf("received %+v, want %+v", got, e)
			}
		}
	})

	t.Run("DeleteUserSessions", func(t *testing.T) {
		u := fmt.Sprintf("events-%s", rand.Text())
		keep := createFor(t, pub, u, time.Hour)
		gone := createFor(t, pub, u, time.Hour)
		hs, err := pub.DeleteUserSessions(ctx, u, keep)
		if err != nil || len(hs) != 1 {
			t.Fatalf("DeleteUserSessions = %v, %v", hs, err)
		}
		got := w.Next(t, func(g runtime.Lifecycle) bool { return g.Hash == gone })
		if got.Kind != runtime.LifecycleEnded || got.Reason != runtime.EndUserSignedOut || got.UserID != u {
			t.Errorf("received %+v, want an end by EndUserSignedOut of user %q", got, u)
		}
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		h := createFor(t, pub, "", -time.Minute) // stored expired
		if _, err := pub.DeleteExpired(ctx, 0); err != nil {
			t.Fatalf("DeleteExpired: %v", err)
		}
		got := w.Next(t, func(g runtime.Lifecycle) bool { return g.Hash == h })
		if got.Kind != runtime.LifecycleEnded || got.Reason != runtime.EndExpired {
			t.Errorf("received %+v, want an end by EndExpired", got)
		}
	})

	var counts EventDelivery
	t.Run("Concurrent", func(t *testing.T) {
		counts = Deliver(t, pub, w, 4, 50)
		if counts.Lost != 0 || counts.Duplicated != 0 {
			t.Errorf("delivery %+v: want none lost or duplicated", counts)
		}
	})
	return counts
}

// Deliver publishes goroutines*each sign-out events on pub, from
// goroutines goroutines at once, and counts what w received of them.
func Deliver(t *testing.T, pub runtime.EventBus, w *Watcher, goroutines, each int) EventDelivery {
	t.Helper()
	want := map[runtime.TokenHash]bool{}
	batches := make([][]runtime.Lifecycle, goroutines)
	for g := range batches {
		for range each {
			h := newHash(t)
			want[h] = true
			batches[g] = append(batches[g], runtime.Lifecycle{Kind: runtime.LifecycleEnded, Hash: h, Reason: runtime.EndSignedOut, At: time.Now()})
		}
	}
	var wg sync.WaitGroup
	for _, b := range batches {
		wg.Go(func() {
			for _, e := range b {
				if err := pub.Publish(context.Background(), []runtime.Lifecycle{e}); err != nil {
					t.Errorf("Publish: %v", err)
				}
			}
		})
	}
	wg.Wait()
	seen := map[runtime.TokenHash]int{}
	got := 0
	for got < len(want) {
		e, ok := w.Within(10 * time.Second)
		if !ok {
			break
		}
		if want[e.Hash] {
			seen[e.Hash]++
			got++
		}
	}
	// Anything more already queued would be a duplicate.
	for {
		e, ok := w.Within(200 * time.Millisecond)
		if !ok {
			break
		}
		if want[e.Hash] {
			seen[e.Hash]++
		}
	}
	d := EventDelivery{Expected: len(want)}
	for h := range want {
		n := seen[h]
		d.Received += n
		if n == 0 {
			d.Lost++
		}
		if n > 1 {
			d.Duplicated += n - 1
		}
	}
	return d
}

// Watcher is a subscription of a test, started by Listen.
type Watcher struct {
	ch chan runtime.Lifecycle
}

// Listen subscribes to bus until t ends and returns once it listens.
func Listen(t *testing.T, bus runtime.EventBus) *Watcher {
	t.Helper()
	w := &Watcher{ch: make(chan runtime.Lifecycle, 100000)}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{}, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := bus.Subscribe(ctx, func() { ready <- struct{}{} }, func(e runtime.Lifecycle) { w.ch <- e })
		if ctx.Err() == nil {
			t.Errorf("Subscribe returned %v before its context ended", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case <-done:
		t.Fatal("Subscribe returned without listening")
	case <-time.After(30 * time.Second):
		t.Fatal("Subscribe did not listen within 30s")
	}
	return w
}

// Within returns the next event received within d, and whether one came.
func (w *Watcher) Within(d time.Duration) (runtime.Lifecycle, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case e := <-w.ch:
		return e, true
	case <-t.C:
		return runtime.Lifecycle{}, false
	}
}

// Next returns the next event received that match accepts, skipping
// others, failing t when none comes within 30s.
func (w *Watcher) Next(t testing.TB, match func(runtime.Lifecycle) bool) runtime.Lifecycle {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		e, ok := w.Within(time.Until(deadline))
		if !ok {
			t.Fatal("no matching event received within 30s")
		}
		if match(e) {
			return e
		}
	}
}

// createFor stores a session bound to user (none for "") that expires
// after ttl.
func createFor(t *testing.T, s runtime.Store, user string, ttl time.Duration) runtime.TokenHash {
	t.Helper()
	h := newHash(t)
	rec := runtime.Record{Data: map[string]json.RawMessage{"a": json.RawMessage("1")}, ExpiresAt: time.Now().Add(ttl), UserID: user}
	if err := s.Create(context.Background(), h, rec); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return h
}
