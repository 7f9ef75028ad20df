// Command example is a small tea shop that shows what sessiongen does: a
// cart that survives reloads, sign-in with a test cookie and key cycling,
// "remember me", sign-out, a theme preference with a default, one-time
// notices, a panel showing when the session expires, a "your devices" page
// with "sign out other devices" that reloads when the session is signed
// out on another device (lifecycle events, over memstore or PostgreSQL's
// LISTEN/NOTIFY), a "delete your account" page that asks for a recent
// sign-in, and the session admin at /admin/ (for alice). Its handlers
// reach the session only through the accessors generated from
// session/sessions.yaml. A janitor clears expired sessions every hour.
//
// Run it from the repository's root:
//
//	go run ./example                      # in-memory sessions, on :8080
//	go run ./example -addr 127.0.0.1:9000
//	go run ./example -sessions /tmp/shop-sessions              # files
//	DATABASE_URL=postgres://localhost/shop go run ./example   # PostgreSQL
//
// With -sessions it keeps sessions in files, one per session, in the
// directory it names (which must exist), so that they outlast a restart
// with no database. With DATABASE_URL set it keeps them in PostgreSQL,
// creating or upgrading the session table on start.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/filestore"
	"github.com/sessiongen/sessiongen/runtime/janitor"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv("DATABASE_URL"), os.Stdout, os.Stderr))
}

// run serves the shop until ctx is done and returns the exit code.
func run(ctx context.Context, args []string, databaseURL string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "address to listen on")
	secure := fs.Bool("cookie-secure", true, "mark the session cookie Secure; browsers treat http://localhost as secure, "+
		"so turn it off only to serve plain HTTP on another address")
	sessions := fs.String("sessions", "", "keep sessions in files in `directory`, which must exist, so that they outlast a restart "+
		"(default: in memory, or in PostgreSQL when DATABASE_URL is set)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *sessions != "" && databaseURL != "" {
		fmt.Fprintln(stderr, "example: -sessions and DATABASE_URL both say where to keep sessions: give one of them")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	store, name, closeStore, err := openStore(ctx, databaseURL, *sessions)
	if err != nil {
		fmt.Fprintln(stderr, "example:", err)
		return 1
	}
	defer closeStore()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "example:", err)
		return 1
	}
	mgr, err := newManager(store, runtime.WithLogger(log), runtime.WithCookieSecure(*secure))
	if err != nil {
		fmt.Fprintln(stderr, "example:", err)
		return 1
	}
	shop, err := newShop(log, store)
	if err != nil {
		fmt.Fprintln(stderr, "example:", err)
		return 1
	}
	stopJanitor := janitor.Start(ctx, store, time.Hour, janitor.WithLogger(log))
	defer stopJanitor()
	srv := &http.Server{Handler: shop.handler(mgr), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "sessiongen example shop: http://%s (sessions in %s)\n", displayAddr(ln.Addr()), name)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintln(stderr, "example:", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintln(stderr, "example: shutdown:", err)
		return 1
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "example:", err)
		return 1
	}
	fmt.Fprintln(stdout, "stopped")
	return 0
}

// openStore returns the store to keep sessions in: files in the
// directory sessionsDir when it is set, PostgreSQL when databaseURL is
// (migrated on start), memory otherwise.
func openStore(ctx context.Context, databaseURL, sessionsDir string) (runtime.AdminStore, string, func(), error) {
	if sessionsDir != "" {
		store, err := filestore.New(sessionsDir)
		if err != nil {
			return nil, "", nil, err
		}
		return store, "files under " + store.Dir(), func() {}, nil
	}
	if databaseURL == "" {
		return memstore.New(), "memory", func() {}, nil
	}
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		return nil, "", nil, fmt.Errorf("connect to DATABASE_URL: %w", err)
	}
	if err := pgstore.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, "", nil, fmt.Errorf("migrate session table: %w", err)
	}
	return pgstore.New(pool, pgstore.WithEvents()), "PostgreSQL", pool.Close, nil
}

// newManager returns the shop's session manager over store, publishing
// and receiving lifecycle events on it when it is an event bus (memstore,
// and pgstore with events), for the devices page's event stream.
func newManager(store runtime.AdminStore, opts ...runtime.Option) (*runtime.Manager, error) {
	if bus, ok := store.(runtime.EventBus); ok {
		opts = append(opts, runtime.WithEventBus(bus))
	}
	return runtime.NewManager(store, opts...)
}

// displayAddr turns a listening address into one a browser can open.
func displayAddr(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}
