package pgstore_test

import (
	"context"
	"testing"

	"github.com/sessiongen/sessiongen/internal/lifetimetest"
	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/runtime"
)

// storeChecker loads sessions straight from the store.
type storeChecker struct{ store runtime.Store }

func (c storeChecker) Load(t *testing.T, h runtime.TokenHash) (runtime.Record, error) {
	return c.store.Load(context.Background(), h)
}

// TestLifetime runs lifetimetest's real-time tests of the idle timeout
// and the absolute lifetime over pgstore: its stored expiry never passes
// a deadline, and a session past one is gone.
func TestLifetime(t *testing.T) {
	t.Parallel()
	s, _ := pgstoretest.New(t)
	lifetimetest.Run(t, s, storeChecker{s})
}
