package coherence_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/coherence"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// start returns two instances over stores, the first of which the
// deployment reads behind their backs.
func start(t *testing.T, stores [2]*memstore.Store) *coherence.Deployment {
	t.Helper()
	d := &coherence.Deployment{HTTP: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(d.HTTP.CloseIdleConnections)
	d.Stored = func(t testing.TB, token string) (coherence.View, bool) {
		t.Helper()
		v, _, ok := coherence.Lookup(t, token, stores[0].Load)
		return v, ok
	}
	for _, s := range stores {
		d.URLs = append(d.URLs, coherence.Serve(t, s))
	}
	return d
}

// TestWorkloadCounts runs a short load on two instances over one store,
// which must count nothing, and on two instances with a store each, as
// instances whose cache never learns of the other's writes: the checks
// must count what the second cannot see.
func TestWorkloadCounts(t *testing.T) {
	t.Parallel()
	shared := memstore.New()
	tests := []struct {
		name     string
		stores   [2]*memstore.Store
		coherent bool
	}{
		{"OneStore", [2]*memstore.Store{shared, shared}, true},
		{"StoreEach", [2]*memstore.Store{memstore.New(), memstore.New()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var n coherence.Tally
			l := coherence.NewWorkload(start(t, tt.stores), &n, 2, 2)
			for u := range l.Users {
				l.User(ctx, t, u, 40, 2)
			}
			l.Reader(ctx, 0, 100)
			l.Final(ctx, t)
			t.Logf("%d requests, %d checked reads: %s", l.Ops.Load(), l.Reads.Load(), &n)
			if n.Zero() != tt.coherent {
				t.Errorf("coherent %v, want %v: %s", n.Zero(), tt.coherent, &n)
			}
		})
	}
}
