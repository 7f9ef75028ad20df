package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// buildPartitioned copies the generated rows into part.sessiongen_sessions,
// partitioned by range of expires_at, one partition per day. A primary key
// of a partitioned table must include the partition key, so it is
// (token_hash, expires_at): token_hash alone is no longer unique, and
// ON CONFLICT (token_hash) has no index to use.
func buildPartitioned(ctx context.Context, pool *pgxpool.Pool, rows int64) error {
	start := time.Now()
	stmts := []string{
		"CREATE SCHEMA part",
		`CREATE TABLE part.sessiongen_sessions (
    token_hash bytea       NOT NULL CHECK (octet_length(token_hash) = 32),
    data       bytea       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    user_id    text,
    user_agent text        NOT NULL DEFAULT '',
    version    bigint      NOT NULL DEFAULT 1,
    PRIMARY KEY (token_hash, expires_at)
) PARTITION BY RANGE (expires_at)`,
		"CREATE INDEX ON part.sessiongen_sessions (user_id) WHERE user_id IS NOT NULL",
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	for d := -15; d <= 16; d++ {
		from, to := day.AddDate(0, 0, d), day.AddDate(0, 0, d+1)
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE part.%s PARTITION OF part.sessiongen_sessions FOR VALUES FROM ('%s') TO ('%s')",
			pgx.Identifier{"p" + from.Format("20060102")}.Sanitize(), from.Format(time.RFC3339), to.Format(time.RFC3339)))
	}
	stmts = append(stmts, "INSERT INTO part.sessiongen_sessions SELECT * FROM sessiongen_sessions", "VACUUM (ANALYZE) part.sessiongen_sessions")
	for _, s := range stmts {
		if _, err := pool.Exec(ctx, s); err != nil {
			return fmt.Errorf("partitioned table: %s: %w", s[:min(len(s), 60)], err)
		}
	}
	fmt.Printf("- partitioned copy (32 daily partitions on expires_at) of %d rows built in %s\n", rows, since(start))
	return sizes(ctx, pool, "part.sessiongen_sessions", "partitioned")
}

// dropExpiredPartitions drops the partitions whose whole range has passed,
// one statement each, and returns how many it dropped. Rows that expired
// today stay until their day's partition is wholly past.
func dropExpiredPartitions(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	rows, err := pool.Query(ctx, `
SELECT c.oid::regclass::text
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'part.sessiongen_sessions'::regclass
  AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz <= now()
ORDER BY 1`)
	if err != nil {
		return 0, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	for _, n := range names {
		if _, err := pool.Exec(ctx, "DROP TABLE "+n); err != nil {
			return 0, fmt.Errorf("drop %s: %w", n, err)
		}
	}
	return len(names), nil
}
