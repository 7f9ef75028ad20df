package pgstore_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// eventStores returns two stores with events over one schema, each on a
// pool of its own, as two instances of an application have, on a channel
// of the test's own (channels are per database, and tests share one).
func eventStores(t *testing.T) (a, b *pgstore.Store, channel string) {
	t.Helper()
	channel = "sessiongen_test_" + strings.ToLower(rand.Text())
	stores := make([]*pgstore.Store, 2)
	for i, p := range pgstoretest.Pools(t, 2) {
		stores[i] = pgstore.New(p, pgstore.WithEventChannel(channel))
	}
	return stores[0], stores[1], channel
}

func TestEventsAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, _ := eventStores(t)
	d := storetest.RunEvents(t, a, b)
	t.Logf("delivery under concurrent publishing: %+v", d)
}

func TestEventsListenerReconnects(t *testing.T) {
	t.Parallel()
	a, b, channel := eventStores(t)
	w := storetest.Listen(t, b)
	if d := storetest.Deliver(t, a, w, 1, 10); d.Lost != 0 {
		t.Fatalf("before the kill: %+v", d)
	}
	// Kill the listener's backend, as a failover or an idle-connection
	// reaper would.
	pool := pgtest.Pool(t)
	tag, err := pool.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`,
		`LISTEN "`+channel+`"`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("terminate the listener: %v, %v rows", err, tag.RowsAffected())
	}
	// Events published while it reconnects are lost (NOTIFY is not
	// durable); once it listens again, delivery resumes. Publish until
	// one arrives, then check a full round.
	deadline := time.Now().Add(30 * time.Second)
	for resumed := false; !resumed; {
		if time.Now().After(deadline) {
			t.Fatal("delivery did not resume within 30s of the listener's connection being killed")
		}
		probe := runtime.Lifecycle{Kind: runtime.LifecycleCreated, Hash: runtime.TokenHash{1}}
		if err := a.Publish(context.Background(), []runtime.Lifecycle{probe}); err != nil {
			t.Fatal(err)
		}
		_, resumed = w.Within(100 * time.Millisecond)
	}
	for _, ok := w.Within(100 * time.Millisecond); ok; _, ok = w.Within(100 * time.Millisecond) {
		// drain the probes that came late
	}
	if d := storetest.Deliver(t, a, w, 4, 50); d.Lost != 0 || d.Duplicated != 0 {
		t.Errorf("after reconnecting: %+v; want none lost or duplicated", d)
	}
}

func TestEventsOffByDefault(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t))
	err := s.Publish(context.Background(), []runtime.Lifecycle{{Kind: runtime.LifecycleCreated}})
	if err != pgstore.ErrNoEvents {
		t.Errorf("Publish without WithEvents = %v, want ErrNoEvents", err)
	}
}
