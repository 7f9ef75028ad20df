package pgstore

import (
	"testing"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// TestLockedMerge runs the conformance suite on a store whose merges
// never try without the row lock, the path a merge takes after
// concurrent writes beat it to the row: it must keep the same contract,
// concurrent writers included.
func TestLockedMerge(t *testing.T) {
	pool := pgtest.Pool(t)
	if err := Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T) runtime.Store {
		s := New(pool)
		s.optimisticMerges = 0
		return s
	})
}
