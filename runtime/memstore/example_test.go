package memstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// A Store is what the manager calls; applications hand it to
// runtime.NewManager and never call it themselves. This shows the per-key
// write that keeps concurrent requests from undoing each other's changes.
func Example() {
	ctx := context.Background()
	store := memstore.New()
	h, _ := runtime.HashToken("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	expires := time.Now().Add(time.Hour)

	_ = store.Create(ctx, h, runtime.Record{Data: map[string]json.RawMessage{"theme": json.RawMessage(`"dark"`)}, ExpiresAt: expires})
	// One request sets cart_items while another deletes theme.
	_ = store.Update(ctx, h, runtime.Change{Set: map[string]json.RawMessage{"cart_items": json.RawMessage(`[1,2]`)}, ExpiresAt: expires})
	_ = store.Update(ctx, h, runtime.Change{Delete: []string{"theme"}, ExpiresAt: expires})

	rec, _ := store.Load(ctx, h)
	fmt.Printf("%s\n", rec.Data["cart_items"])
	_, hasTheme := rec.Data["theme"]
	fmt.Println(hasTheme)

	_ = store.Delete(ctx, h)
	_, err := store.Load(ctx, h)
	fmt.Println(errors.Is(err, runtime.ErrNotFound))
	// Output:
	// [1,2]
	// false
	// true
}
