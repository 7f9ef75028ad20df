package pgtest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestThrowawayCluster starts, uses and stops a cluster of its own, as
// pgtest does when no server is found. It needs initdb and pg_ctl, and
// takes a few seconds.
func TestThrowawayCluster(t *testing.T) {
	t.Parallel()
	if _, err := findBinDir(); err != nil {
		t.Skipf("the throwaway-cluster fallback is unavailable here: %v", err)
	}
	ctx := context.Background()
	srv, err := startCluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := strings.TrimPrefix(srv.desc, "throwaway cluster in ")
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = srv.close()
		}
	})
	if err := probe(ctx, srv.url); err != nil {
		t.Fatalf("probe %s: %v", srv.url, err)
	}
	conn, err := pgx.Connect(ctx, srv.url)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	err = conn.QueryRow(ctx, "SELECT 1").Scan(&n)
	conn.Close(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SELECT 1 = %d, %v", n, err)
	}
	stopped = true
	if err := srv.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s left behind (%v)", dir, err)
	}
	if _, err := pgx.Connect(ctx, srv.url); err == nil {
		t.Error("the cluster still answers after stop")
	}
}
