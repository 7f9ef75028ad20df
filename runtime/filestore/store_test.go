package filestore_test

import (
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/filestore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// newStore returns a store over dir, failing t if it cannot be made.
func newStore(t testing.TB, dir string, opts ...filestore.Option) *filestore.Store {
	t.Helper()
	s, err := filestore.New(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) runtime.Store { return newStore(t, t.TempDir()) })
}

func TestConformanceSharedStore(t *testing.T) {
	t.Parallel()
	s := newStore(t, t.TempDir())
	storetest.Run(t, func(*testing.T) runtime.Store { return s })
}

// TestConformanceStoresSharingADirectory gives each check a Store of its
// own over one directory, as processes sharing it have: they exclude each
// other through the lock files alone.
func TestConformanceStoresSharingADirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	storetest.Run(t, func(t *testing.T) runtime.Store { return newStore(t, dir) })
}
