package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/runtime"
)

// insertSessions adds n sessions straight into the table; every third
// holds the key basket besides theme, and every fifth has expired.
func insertSessions(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `
		INSERT INTO sessiongen_sessions (token_hash, data, expires_at, updated_at)
		SELECT sha256(convert_to(g::text, 'UTF8')),
		       CASE WHEN g % 3 = 0 THEN '{"basket":[1,2],"theme":"dark"}'::bytea ELSE '{"theme":"dark"}'::bytea END,
		       CASE WHEN g % 5 = 0 THEN now() - interval '1 hour' ELSE now() + interval '1 hour' END,
		       '2000-01-01T00:00:00Z'
		FROM generate_series(1, $1) g`, n)
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeleteKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rows, batch    int
		wantStatements int64
	}{
		{rows: 100, batch: 30, wantStatements: 4},
		{rows: 90, batch: 30, wantStatements: 4}, // the last finds none
		{rows: 100, batch: 0, wantStatements: 1}, // DefaultBatchSize
		{rows: 10, batch: 1, wantStatements: 11},
		{rows: 0, batch: 10, wantStatements: 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d rows by %d", tt.rows, tt.batch), func(t *testing.T) {
			t.Parallel()
			s, pool, counter := pgstoretest.Counted(t)
			ctx := context.Background()
			insertSessions(t, pool, tt.rows)

			counter.Store(0)
			n, err := s.DeleteKey(ctx, "basket", tt.batch)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(tt.rows / 3); n != want {
				t.Errorf("DeleteKey = %d, want %d", n, want)
			}
			if got := counter.Load(); got != tt.wantStatements {
				t.Errorf("DeleteKey ran %d statements, want %d", got, tt.wantStatements)
			}
			var holding, themed, touched int
			err = pool.QueryRow(ctx, `
				SELECT count(*) FILTER (WHERE convert_from(data, 'UTF8')::jsonb ? 'basket'),
				       count(*) FILTER (WHERE convert_from(data, 'UTF8')::jsonb = '{"theme": "dark"}'),
				       count(*) FILTER (WHERE updated_at > '2000-01-01T00:00:00Z')
				FROM sessiongen_sessions`).Scan(&holding, &themed, &touched)
			if err != nil {
				t.Fatal(err)
			}
			if holding != 0 || themed != tt.rows || touched != 0 {
				t.Errorf("after DeleteKey: %d rows hold basket, %d of %d hold only theme, %d have a new updated_at",
					holding, themed, tt.rows, touched)
			}

			// A second run finds nothing left.
			if n, err := s.DeleteKey(ctx, "basket", tt.batch); n != 0 || err != nil {
				t.Errorf("second DeleteKey = %d, %v", n, err)
			}
		})
	}
}

// TestDeleteKeyKeepsSessionsWorking checks that a session that lost a key
// still loads, with its other keys and expiry, and that a key whose name
// is only a prefix of another is not touched.
func TestDeleteKeyKeepsSessionsWorking(t *testing.T) {
	t.Parallel()
	s, _ := pgstoretest.New(t)
	ctx := context.Background()
	h := runtime.TokenHash{1}
	exp := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	rec := runtime.Record{
		Data:      map[string]json.RawMessage{"basket": json.RawMessage(`1`), "basket_v2": json.RawMessage(`2`)},
		ExpiresAt: exp,
	}
	if err := s.Create(ctx, h, rec); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteKey(ctx, "basket", 10); n != 1 || err != nil {
		t.Fatalf("DeleteKey = %d, %v", n, err)
	}
	got, err := s.Load(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != 1 || string(got.Data["basket_v2"]) != "2" || !got.ExpiresAt.Equal(exp) {
		t.Errorf("after DeleteKey: %+v", got)
	}
	if _, err := s.DeleteKey(ctx, "", 10); err == nil {
		t.Error("DeleteKey accepted an empty key")
	}
}

// TestDeleteKeyCanceled checks that a canceled context stops DeleteKey
// with an error that says so.
func TestDeleteKeyCanceled(t *testing.T) {
	t.Parallel()
	s, pool := pgstoretest.New(t)
	insertSessions(t, pool, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.DeleteKey(ctx, "basket", 3); err == nil {
		t.Error("DeleteKey with a canceled context: no error")
	}
}
