package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// begin starts a transaction on conn that is rolled back when t ends,
// unless the test ends it first.
func begin(t *testing.T, conn pgstore.DBTX) pgx.Tx {
	t.Helper()
	tx, err := conn.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

// TestStoreInATransaction writes a session through a Store on the
// caller's transaction: the pool does not see it before the commit, nor
// ever after a rollback, and does once it is committed.
func TestStoreInATransaction(t *testing.T) {
	t.Parallel()
	outside, pool := pgstoretest.New(t)
	ctx := context.Background()
	rec := runtime.Record{Data: map[string]json.RawMessage{"a": json.RawMessage(`1`)}, ExpiresAt: time.Now().Add(time.Hour), UserID: "u"}
	for _, commit := range []bool{false, true} {
		tx := begin(t, pool)
		inside := pgstore.New(tx)
		h := runtime.TokenHash{1}
		if commit {
			h = runtime.TokenHash{2}
		}
		if err := inside.Create(ctx, h, rec); err != nil {
			t.Fatal(err)
		}
		if got, err := inside.Load(ctx, h); err != nil || got.UserID != "u" {
			t.Fatalf("Load in the transaction = %+v, %v", got, err)
		}
		if _, err := outside.Load(ctx, h); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("Load outside before the transaction ends = %v, want ErrNotFound", err)
		}
		if !commit {
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := outside.Load(ctx, h); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Load after Rollback = %v, want ErrNotFound", err)
			}
			continue
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := outside.Load(ctx, h); err != nil || got.UserID != "u" || string(got.Data["a"]) != "1" {
			t.Errorf("Load after Commit = %+v, %v; want the session", got, err)
		}
	}
}

// TestStoreOnAConn runs a Store and Migrate on one *pgx.Conn.
func TestStoreOnAConn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgtest.Pool(t).Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if err := pgstore.Migrate(ctx, conn.Conn()); err != nil {
		t.Fatal(err)
	}
	s := pgstore.New(conn.Conn())
	h := runtime.TokenHash{3}
	if err := s.Create(ctx, h, runtime.Record{ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, h); err != nil {
		t.Fatalf("Load = %v", err)
	}
}

// TestMigrateInATransaction runs Migrate in the caller's transaction: the
// table exists in it at once, and outside only once it commits.
func TestMigrateInATransaction(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	hasTable := func(db pgstore.DBTX) bool {
		t.Helper()
		var ok bool
		if err := db.QueryRow(ctx, "SELECT to_regclass('sessiongen_sessions') IS NOT NULL").Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, commit := range []bool{false, true} {
		tx := begin(t, pool)
		if err := pgstore.Migrate(ctx, tx); err != nil {
			t.Fatal(err)
		}
		if !hasTable(tx) {
			t.Fatal("no table in the transaction after Migrate")
		}
		// The caller's transaction goes on after Migrate.
		if err := pgstore.New(tx).Create(ctx, runtime.TokenHash{4}, runtime.Record{ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if hasTable(pool) {
			t.Fatal("the table is visible outside the transaction before it ends")
		}
		end := tx.Rollback
		if commit {
			end = tx.Commit
		}
		if err := end(ctx); err != nil {
			t.Fatal(err)
		}
		if got := hasTable(pool); got != commit {
			t.Errorf("committed %v: table outside after the transaction = %v", commit, got)
		}
	}
	wantApplied(t, pool, 1, 2)
	if _, err := pgstore.New(pool).Load(ctx, runtime.TokenHash{4}); err != nil {
		t.Errorf("the session written after Migrate in the committed transaction: %v", err)
	}
}
