// Command minimal is the smallest application of sessiongen: it counts a
// visitor's page views in a session kept in PostgreSQL. Run it with
//
//	DATABASE_URL=postgres://localhost/app go run ./example/minimal
//
// and open http://localhost:8081/ (add ?name=Ada once).
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/example/minimal/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

func main() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
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
	mux.HandleFunc("GET /{$}", visit)
	log.Fatal(http.ListenAndServe("localhost:8081", mgr.Middleware(mux)))
}

// visit counts the visit and greets the visitor.
func visit(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	if name := r.FormValue("name"); name != "" {
		sess.SetName(name)
	}
	sess.UpdateVisits(func(n int) int { return n + 1 }) // two tabs at once both count
	fmt.Fprintf(w, "Hello %s, this is visit %d.\n", sess.Name(), sess.Visits())
}
