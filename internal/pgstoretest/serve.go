package pgstoretest

import (
	"context"
	"log"
	"net/http"
	"net/http/httptest"
	goruntime "runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// settleTimeout bounds Shutdown's wait for the goroutines to end.
const settleTimeout = 15 * time.Second

// Server is an application served by a started httptest.Server through a
// session manager on a store of its own pool, for a test that puts it
// under load and then calls Shutdown.
type Server struct {
	*httptest.Server
	Store *pgstore.Store
	Pool  *pgxpool.Pool

	serverLog  *syncbuf.Buffer // what net/http logged: a handler's panic, say
	goroutines int             // the process's, before Serve started anything
}

// Serve counts the process's goroutines, for Shutdown, then opens a pool
// on cfg, migrates it, and serves routes through a runtime.Manager, made
// with opts, on a store of that pool. What net/http logs is kept for
// Shutdown to check. The server and the pool are closed when t ends, if
// Shutdown has not closed them before.
func Serve(t testing.TB, cfg *pgxpool.Config, routes http.Handler, opts ...runtime.Option) *Server {
	t.Helper()
	goroutines := goruntime.NumGoroutine()
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgstoretest: %v", err)
	}
	t.Cleanup(pool.Close)
	store := migrated(t, pool)
	mgr, err := runtime.NewManager(store, opts...)
	if err != nil {
		t.Fatalf("pgstoretest: %v", err)
	}
	s := &Server{Store: store, Pool: pool, serverLog: &syncbuf.Buffer{}, goroutines: goroutines}
	s.Server = httptest.NewUnstartedServer(mgr.Middleware(routes))
	s.Config.ErrorLog = log.New(s.serverLog, "", 0)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// Shutdown closes the server, the idle connections of clients and the
// pool, and fails t if net/http logged anything (a handler panicked?). It
// then waits, for up to 15 seconds, for the process's goroutines to be no
// more than before Serve, and fails t, listing them, if they stay more. It
// returns the counts before Serve and after the wait.
func (s *Server) Shutdown(t testing.TB, clients ...*http.Client) (before, after int) {
	t.Helper()
	s.Close()
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	s.Pool.Close()
	if l := s.serverLog.String(); l != "" {
		t.Errorf("the HTTP server logged (a handler panicked?):\n%s", l)
	}
	after = goruntime.NumGoroutine()
	for deadline := time.Now().Add(settleTimeout); after > s.goroutines && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		after = goruntime.NumGoroutine()
	}
	if after > s.goroutines {
		var stacks strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
		t.Errorf("goroutine leak: %d before the load, %d after it was shut down:\n%s", s.goroutines, after, stacks.String())
	} else {
		t.Logf("goroutines: %d before the load, %d after it was shut down", s.goroutines, after)
	}
	return s.goroutines, after
}
