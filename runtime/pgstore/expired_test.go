package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/runtime"
)

// insertExpired adds n expired sessions straight into the table.
func insertExpired(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `
		INSERT INTO sessiongen_sessions (token_hash, expires_at)
		SELECT sha256(convert_to(gen_random_uuid()::text, 'UTF8')), now() - g * interval '1 second'
		FROM generate_series(1, $1) g`, n)
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeleteExpired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expired, batch int
		wantStatements int64
	}{
		{expired: 2500, batch: 1000, wantStatements: 3},
		{expired: 2000, batch: 1000, wantStatements: 3}, // the last finds none
		{expired: 2500, batch: 0, wantStatements: 3},    // DefaultBatchSize
		{expired: 10, batch: 3, wantStatements: 4},
		{expired: 0, batch: 1000, wantStatements: 1},
	}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			s, pool, counter := pgstoretest.Counted(t)
			ctx := context.Background()
			insertExpired(t, pool, tt.expired)
			var live []runtime.TokenHash
			for i := range 5 {
				h := runtime.TokenHash{byte(i + 1)}
				if err := s.Create(ctx, h, runtime.Record{Data: nil, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
				live = append(live, h)
			}

			counter.Store(0)
			n, err := s.DeleteExpired(ctx, tt.batch)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(tt.expired) {
				t.Errorf("DeleteExpired(%d) = %d, want %d", tt.batch, n, tt.expired)
			}
			if got := counter.Load(); got != tt.wantStatements {
				t.Errorf("DeleteExpired(%d) ran %d statements, want %d", tt.batch, got, tt.wantStatements)
			}
			for _, h := range live {
				if _, err := s.Load(ctx, h); err != nil {
					t.Errorf("live session: %v", err)
				}
			}
			var rows int
			if err := pool.QueryRow(ctx, "SELECT count(*) FROM sessiongen_sessions").Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != len(live) {
				t.Errorf("%d rows left, want the %d live ones", rows, len(live))
			}
		})
	}
}
