package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// The store is handed to the manager; applications never call it
// themselves. This shows what the middleware's calls do: per-key writes,
// so concurrent requests that change different keys both keep their
// change, and no write brings back a session that was deleted.
func Example() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr, ContextTimeoutEnabled: true}) // your Redis
	defer rdb.Close()

	store := redisstore.New(rdb,
		redisstore.WithPrefix("example-"+rand.Text()[:8]+":"), // default "sessiongen:"
	)
	if _, err := runtime.NewManager(store); err != nil { // then mgr.Middleware(mux), as with any store
		panic(err)
	}

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

	_ = store.Delete(ctx, h) // a sign-out
	err := store.Update(ctx, h, runtime.Change{Set: map[string]json.RawMessage{"theme": json.RawMessage(`"light"`)}, ExpiresAt: expires})
	fmt.Println(errors.Is(err, runtime.ErrNotFound))
	// Output:
	// [1,2]
	// false
	// true
}

// A Redis Cluster, or any redis.UniversalClient, serves as well as a
// single server: each session's keys share one hash slot.
func Example_cluster() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 []string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"},
		ContextTimeoutEnabled: true,
	})
	defer rdb.Close()
	mgr, err := runtime.NewManager(redisstore.New(rdb))
	if err != nil {
		panic(err)
	}
	_ = mgr // mgr.Middleware(mux)
}
