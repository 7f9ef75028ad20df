package pgstore_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// Sessions in PostgreSQL: migrate at start-up, then hand the store to the
// manager. The application owns the pool.
func Example() {
	ctx := context.Background()
	databaseURL := pgtest.ExampleURL() // an application reads its own, e.g. os.Getenv("DATABASE_URL")

	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	mgr, err := runtime.NewManager(pgstore.New(pool))
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		n, _ := runtime.Get[int](sess, "visits") // generated code: sess.Visits()
		runtime.Set(sess, "visits", n+1)         // generated code: sess.SetVisits(n + 1)
		fmt.Fprintf(w, "visit %d", n+1)
	})
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for range 3 {
		resp, err := browser.Get(srv.URL)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}

	var rows int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM sessiongen_sessions").Scan(&rows)
	fmt.Println("stored sessions:", rows)
	// Output:
	// visit 1
	// visit 2
	// visit 3
	// stored sessions: 1
}

// Expired sessions read as absent at once, and DeleteExpired clears their
// rows. Run it from a command, or on a timer:
//
//	for range time.Tick(time.Hour) {
//		if _, err := store.DeleteExpired(ctx, 0); err != nil {
//			log.Print(err)
//		}
//	}
func ExampleStore_DeleteExpired() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.ExampleURL())
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	store := pgstore.New(pool)
	h, _ := runtime.HashToken("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if err := store.Create(ctx, h, runtime.Record{Data: nil, ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
		log.Fatal(err)
	}

	n, err := store.DeleteExpired(ctx, runtime.DefaultBatchSize)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted", n, "expired sessions")
	// Output: deleted 1 expired sessions
}

// A Store on a pgx.Tx writes sessions in the caller's transaction, and
// Migrate runs in it too: what they write is committed with the
// application's own writes, or rolled back with them. Such a Store, like
// one on a single *pgx.Conn, serves one goroutine; the manager's store is
// on a pool.
func ExampleNew_transaction() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.ExampleURL())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	h, _ := runtime.HashToken("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := pgstore.Migrate(ctx, tx); err != nil {
			return err
		}
		// ... the application's own writes in tx ...
		return pgstore.New(tx).Create(ctx, h, runtime.Record{UserID: "alice", ExpiresAt: time.Now().Add(time.Hour)})
	})
	if err != nil {
		log.Fatal(err)
	}
	rec, err := pgstore.New(conn).Load(ctx, h)
	fmt.Println(rec.UserID, err)
	// Output: alice <nil>
}
