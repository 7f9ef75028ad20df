// Package benchdb prepares the benchmark's PostgreSQL database.
package benchdb

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sessiongen/sessiongen/bench/internal/countproxy"
)

// DefaultDSN is the benchmark database on the local server.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/sessiongen_bench?sslmode=disable"

// DSN returns $BENCH_DATABASE_URL if set, else def.
func DSN(def string) string {
	if v := os.Getenv("BENCH_DATABASE_URL"); v != "" {
		return v
	}
	return def
}

// Ensure creates the database that dsn names if it does not exist,
// connecting to the server's "postgres" database to do so.
func Ensure(ctx context.Context, dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect to the postgres database: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		// Another process may have created it meanwhile.
		if err2 := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err2 == nil && exists {
			return nil
		}
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// Counted starts a round-trip counter (countproxy) in front of the server
// that dsn connects to, and returns it with dsn changed to connect through
// it. The caller closes the proxy.
func Counted(dsn string) (*countproxy.Proxy, string, error) {
	target, err := hostPort(dsn)
	if err != nil {
		return nil, "", err
	}
	proxy, err := countproxy.Start(target)
	if err != nil {
		return nil, "", err
	}
	counted, err := via(dsn, proxy.Addr())
	if err != nil {
		_ = proxy.Close()
		return nil, "", err
	}
	return proxy, counted, nil
}

// hostPort returns the host:port that dsn connects to.
func hostPort(dsn string) (string, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), nil
}

// via returns dsn with its host and port replaced by addr (host:port), and
// TLS off, for connecting through a proxy.
// dsn must be a URL (postgres://...).
func via(dsn, addr string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("not a postgres:// URL: %q", dsn)
	}
	u.Host = addr
	q := u.Query()
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Reset empties table and refreshes its statistics.
func Reset(ctx context.Context, dsn, table string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "TRUNCATE "+pgx.Identifier(strings.Split(table, ".")).Sanitize()); err != nil {
		return err
	}
	return nil
}

// Analyze vacuums and analyzes table.
func Analyze(ctx context.Context, dsn, table string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "VACUUM ANALYZE "+pgx.Identifier(strings.Split(table, ".")).Sanitize())
	return err
}
