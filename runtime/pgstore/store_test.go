package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) runtime.Store {
		s, _ := pgstoretest.New(t)
		return s
	})
}

// storeOps runs each Store method, and DeleteExpired, on a fresh hash.
var storeOps = []struct {
	name, prefix string
	run          func(context.Context, *pgstore.Store) error
}{
	{"Load", "pgstore: load session: ", func(ctx context.Context, s *pgstore.Store) error {
		_, err := s.Load(ctx, runtime.TokenHash{1})
		return err
	}},
	{"Create", "pgstore: create session: ", func(ctx context.Context, s *pgstore.Store) error {
		return s.Create(ctx, runtime.TokenHash{1}, runtime.Record{Data: nil, ExpiresAt: time.Now().Add(time.Hour)})
	}},
	{"Update", "pgstore: update session: ", func(ctx context.Context, s *pgstore.Store) error {
		return s.Update(ctx, runtime.TokenHash{1}, runtime.Change{ExpiresAt: time.Now().Add(time.Hour)})
	}},
	{"Cycle", "pgstore: cycle session: ", func(ctx context.Context, s *pgstore.Store) error {
		return s.Cycle(ctx, runtime.TokenHash{1}, runtime.TokenHash{2}, runtime.Change{ExpiresAt: time.Now().Add(time.Hour)})
	}},
	{"Delete", "pgstore: delete session: ", func(ctx context.Context, s *pgstore.Store) error {
		return s.Delete(ctx, runtime.TokenHash{1})
	}},
	{"DeleteExpired", "pgstore: delete expired sessions: ", func(ctx context.Context, s *pgstore.Store) error {
		_, err := s.DeleteExpired(ctx, 0)
		return err
	}},
}

// wantWrappedFailure fails t unless err is a failure, not ErrNotFound,
// whose message starts with prefix.
func wantWrappedFailure(t *testing.T, err error, prefix string) {
	t.Helper()
	if err == nil || errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("got %v, want a failure other than ErrNotFound", err)
	}
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q does not start with %q", err, prefix)
	}
}

func TestUnreachableDatabaseIsAnErrorNotNotFound(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=2", pgtest.FreePort(t)))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg) // connects lazily
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s := pgstore.New(pool)
	for _, op := range storeOps {
		t.Run(op.name, func(t *testing.T) {
			wantWrappedFailure(t, op.run(context.Background(), s), op.prefix)
		})
	}
	t.Run("Migrate", func(t *testing.T) {
		wantWrappedFailure(t, pgstore.Migrate(context.Background(), pool), "pgstore: migrate: ")
	})
}

func TestMissingTableIsAnErrorNotNotFound(t *testing.T) {
	t.Parallel()
	s := pgstore.New(pgtest.Pool(t)) // no Migrate
	for _, op := range storeOps {
		t.Run(op.name, func(t *testing.T) {
			wantWrappedFailure(t, op.run(context.Background(), s), op.prefix)
		})
	}
}

func TestOnlyJSONObjectsGetIn(t *testing.T) {
	t.Parallel()
	s, pool := pgstoretest.New(t)
	ctx := context.Background()

	h := runtime.TokenHash{7}
	err := s.Create(ctx, h, runtime.Record{Data: map[string]json.RawMessage{"a": json.RawMessage(`{"unterminated": `)}, ExpiresAt: time.Now().Add(time.Hour)})
	wantWrappedFailure(t, err, "pgstore: create session: ")

	// Whatever writes to the table, the column types and checks hold.
	bad := []struct{ name, sql string }{
		{"null data", `INSERT INTO sessiongen_sessions (token_hash, data, expires_at) VALUES (sha256('c'), NULL, now())`},
		{"short hash", `INSERT INTO sessiongen_sessions (token_hash, expires_at) VALUES ('\x0102', now())`},
		{"no expiry", `INSERT INTO sessiongen_sessions (token_hash) VALUES (sha256('d'))`},
	}
	for _, b := range bad {
		if _, err := pool.Exec(ctx, b.sql); err == nil {
			t.Errorf("%s: the table took it", b.name)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM sessiongen_sessions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows in the table, want 0", n)
	}

	// The data column is bytea, which PostgreSQL does not parse: data that
	// is not a JSON object, which pgstore never writes, is an error to
	// load, not a session and not a missing one.
	for i, data := range []string{"not json", "[1]", `{"a": }`, ""} {
		h := runtime.TokenHash{8, byte(i)}
		if _, err := pool.Exec(ctx, `INSERT INTO sessiongen_sessions (token_hash, data, expires_at) VALUES ($1, $2, now() + interval '1 hour')`, h[:], []byte(data)); err != nil {
			t.Fatal(err)
		}
		_, err := s.Load(ctx, h)
		wantWrappedFailure(t, err, "pgstore: load session: decode data: ")
	}
}
