package cachestore_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// The cache wraps pgstore; the manager is given the cache. Applications
// never call the store themselves: this shows what the middleware's calls
// do. A write goes to PostgreSQL and then drops the cached copy, so the next
// read sees it. The output would be the same with Redis down: the cache
// falls back to PostgreSQL.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.ExampleURL()) // your DATABASE_URL
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		panic(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: sharedRedisAddr(), ContextTimeoutEnabled: true})
	defer rdb.Close()

	store := cachestore.New(pgstore.New(pool), rdb,
		cachestore.WithPrefix("example-"+rand.Text()[:8]+":"), // default "sessiongen:"
	)
	if _, err := runtime.NewManager(store); err != nil { // then mgr.Middleware(mux), as with any store
		panic(err)
	}

	h, _ := runtime.HashToken("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	expires := time.Now().Add(time.Minute)
	_ = store.Create(ctx, h, runtime.Record{Data: map[string]json.RawMessage{"theme": json.RawMessage(`"dark"`)}, ExpiresAt: expires})

	rec, _ := store.Load(ctx, h) // from PostgreSQL, now cached
	fmt.Printf("%s\n", rec.Data["theme"])
	rec, _ = store.Load(ctx, h) // from Redis
	fmt.Printf("%s\n", rec.Data["theme"])

	_ = store.Update(ctx, h, runtime.Change{Set: map[string]json.RawMessage{"theme": json.RawMessage(`"light"`)}, ExpiresAt: expires})
	rec, _ = store.Load(ctx, h) // the cached copy was dropped: from PostgreSQL
	fmt.Printf("%s\n", rec.Data["theme"])

	_ = store.Delete(ctx, h)
	_, err = store.Load(ctx, h)
	fmt.Println(err == runtime.ErrNotFound)
	// Output:
	// "dark"
	// "dark"
	// "light"
	// true
}
