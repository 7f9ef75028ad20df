package janitor_test

import (
	"context"
	"time"

	"github.com/sessiongen/sessiongen/runtime/janitor"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// Start a janitor beside the server, and stop it on the way out. It works
// the same with a *pgstore.Store.
func Example() {
	ctx := context.Background()
	store := memstore.New()
	stop := janitor.Start(ctx, store, time.Hour)
	defer stop()
	// ... serve requests with runtime.NewManager(store) ...
}
