// Package impl implements the benchmark's routes in several ways: with
// sessiongen's generated accessors over pgstore, over cachestore in front
// of pgstore, over redisstore (Redis alone) and over filestore (a file per
// session); with scs over its pgxstore and over its Redis store; with
// gorilla/sessions over gormstore; and by hand with pgx ("bare", the
// floor).
//
// Every implementation serves the same routes, each over a store of its
// own: a table of its own in the same PostgreSQL database, a key prefix of
// its own in the same Redis, or a directory of its own:
//
//	/nosession    the request carries a valid cookie; the handler ignores the session
//	/read         reads an int (count) and a short string (name)
//	/write        increments count
//	/read-large   reads two of the 50 keys (k00, k49; about 8 KiB in all)
//	/write-large  changes one of the 50 keys (k00)
//	/login        signs the user in: sets user_id and gives the session a new token
//	/seed-small   creates a session {count: 0, name: "alice"} (used to seed)
//	/seed-large   creates a session with k00..k49 (used to seed)
package impl

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/bench/internal/benchdb"
)

// Names lists the implementations in the order the benchmark runs them.
var Names = []string{"sessiongen", "scs", "gorilla", "bare", "sessiongen-cached", "sessiongen-redis", "scs-redis", "sessiongen-file"}

// Routes lists the measured routes.
var Routes = []string{"/nosession", "/read", "/write", "/read-large", "/write-large", "/login"}

// Impl is one implementation of the routes.
type Impl interface {
	// Handler serves the routes.
	Handler() http.Handler
	// CookieName is the name of the session cookie.
	CookieName() string
	// Table is the PostgreSQL table that holds the sessions, "" for an
	// implementation that keeps them elsewhere (Redis, files), which Reset
	// empties in its own way.
	Table() string
	// Close releases the implementation's connections.
	Close()
}

// Config says where and how an implementation connects.
type Config struct {
	// DSN is the PostgreSQL connection string.
	DSN string
	// PoolSize is the most connections the implementation opens, to
	// PostgreSQL or to Redis.
	PoolSize int32
	// Dir is the directory of sessiongen-file's sessions; "" makes it a
	// new temporary directory, which Close removes.
	Dir string
}

// Lifetime is how long every implementation keeps a session: two weeks.
const Lifetime = 14 * 24 * time.Hour

// SmallName is the name stored in a small session.
const SmallName = "alice"

// LoginUserID is the user ID /login stores.
const LoginUserID = 42

// NumLargeKeys is the number of keys of a large session.
const NumLargeKeys = 50

// LargeValueLen is the length of each value of a large session:
// 50 × 160 bytes = 8000 bytes of values.
const LargeValueLen = 160

// LargeKey returns the name of the i-th key of a large session.
func LargeKey(i int) string { return fmt.Sprintf("k%02d", i) }

// LargeValue returns the seeded value of the i-th key of a large session:
// LargeValueLen letters and digits drawn from a generator seeded with i, so
// that the session does not compress much, as real data would not, and
// PostgreSQL stores its 8 KB out of line (TOAST) for every implementation.
func LargeValue(i int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	prefix := fmt.Sprintf("value %02d ", i)
	b := []byte(prefix)
	for len(b) < LargeValueLen {
		b = append(b, alphabet[rng.IntN(len(alphabet))])
	}
	return string(b)
}

// writeLargeCounter makes each /write-large store a value that differs from
// the previous one.
var writeLargeCounter atomic.Int64

// nextLargeValue returns a new value for k00, LargeValueLen bytes long.
func nextLargeValue() string {
	n := writeLargeCounter.Add(1)
	prefix := "new " + strconv.FormatInt(n, 10) + " "
	return prefix + strings.Repeat("z", LargeValueLen-len(prefix))
}

// New returns the implementation called name, creating its table if it is
// missing. The implementations over Redis connect to $BENCH_REDIS_ADDR, or
// DefaultRedisAddr.
func New(ctx context.Context, name string, cfg Config) (Impl, error) {
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 8
	}
	switch name {
	case "sessiongen":
		return newSessiongen(ctx, cfg)
	case "scs":
		return newSCS(ctx, cfg)
	case "gorilla":
		return newGorilla(ctx, cfg)
	case "bare":
		return newBare(ctx, cfg)
	case "sessiongen-cached":
		return newSessiongenCached(ctx, cfg)
	case "sessiongen-redis":
		return newSessiongenRedis(ctx, cfg)
	case "scs-redis":
		return newSCSRedis(ctx, cfg)
	case "sessiongen-file":
		return newSessiongenFile(cfg)
	}
	return nil, fmt.Errorf("unknown implementation %q (want one of %s)", name, strings.Join(Names, ", "))
}

// Reset deletes every session of x, as before seeding: it empties x's
// table through dsn or, for an implementation that keeps its sessions
// outside PostgreSQL, its keys in Redis or its files.
func Reset(ctx context.Context, x Impl, dsn string) error {
	if e, ok := x.(emptier); ok {
		return e.empty(ctx)
	}
	return benchdb.Reset(ctx, dsn, x.Table())
}

// emptier is an implementation that keeps its sessions outside PostgreSQL
// (its Table is ""), and deletes them itself.
type emptier interface {
	empty(ctx context.Context) error
}

// pooled is an implementation over a pgx pool: the pool, which Close
// closes, and the handler of its routes.
type pooled struct {
	pool *pgxpool.Pool
	h    http.Handler
}

func (x *pooled) Handler() http.Handler { return x.h }
func (x *pooled) Close()                { x.pool.Close() }

// newPool opens a pgx pool of cfg.PoolSize connections whose search_path
// is schema, created if missing ("" keeps the server's default), and
// prepares it with setup, which creates the implementation's tables. It
// closes the pool when either fails.
func newPool(ctx context.Context, cfg Config, schema string, setup func(context.Context, *pgxpool.Pool) error) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, err
	}
	pc.MaxConns = cfg.PoolSize
	if schema != "" {
		pc.ConnConfig.RuntimeParams["search_path"] = schema
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	if schema != "" {
		_, err = pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
	}
	if err == nil {
		err = setup(ctx, pool)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// blobTable returns the DDL that creates, unless it exists, table: a
// session a row, kept whole in the BYTEA column data, under the primary
// key column key of type keyType, with its expiry in the column expiry,
// indexed.
func blobTable(table, key, keyType, expiry string) string {
	return fmt.Sprintf(`
CREATE TABLE IF NOT EXISTS %[1]s (
	%[2]s %[3]s PRIMARY KEY,
	data BYTEA NOT NULL,
	%[4]s TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS %[1]s_%[4]s_idx ON %[1]s (%[4]s);`, table, key, keyType, expiry)
}

// createTables returns a setup for newPool that runs ddl.
func createTables(ddl string) func(context.Context, *pgxpool.Pool) error {
	return func(ctx context.Context, pool *pgxpool.Pool) error {
		_, err := pool.Exec(ctx, ddl)
		return err
	}
}

// writeRead writes the answer of /read.
func writeRead(w http.ResponseWriter, name string, count int) {
	b := make([]byte, 0, 32)
	b = append(b, "name="...)
	b = append(b, name...)
	b = append(b, " count="...)
	b = strconv.AppendInt(b, int64(count), 10)
	_, _ = w.Write(b)
}

// writeInt writes the answer of /write: the new count.
func writeInt(w http.ResponseWriter, n int) {
	_, _ = w.Write(strconv.AppendInt(make([]byte, 0, 20), int64(n), 10))
}

// writeLarge writes the answer of /read-large: k00 and k49.
func writeLarge(w http.ResponseWriter, k00, k49 string) {
	b := make([]byte, 0, len(k00)+len(k49)+1)
	b = append(b, k00...)
	b = append(b, '|')
	b = append(b, k49...)
	_, _ = w.Write(b)
}

// writeOK writes the answer of /nosession, /login and the seed routes.
func writeOK(w http.ResponseWriter) { _, _ = w.Write([]byte("ok")) }

// handle adapts a route that returns the error of a session library,
// answering 500 for it with fail.
func handle(route func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := route(w, r); err != nil {
			fail(w, err)
		}
	}
}

// fail answers 500 for an error of a session library.
func fail(w http.ResponseWriter, err error) {
	http.Error(w, "session error: "+err.Error(), http.StatusInternalServerError)
}
