package pgtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPrivateClusterStopStart checks what the outage tests rely on: data
// committed before a stop (a crash, with "immediate") is there after Start,
// on the same URL, and the server refuses connections while stopped.
func TestPrivateClusterStopStart(t *testing.T) {
	t.Parallel()
	c := StartCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, c.URL())
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"immediate", "fast"} {
		c.Stop(t, mode)
		if err := exec("SELECT 1"); err == nil {
			t.Fatalf("stopped (%s) cluster still answers", mode)
		}
		c.Start(t)
		conn, err := pgx.Connect(ctx, c.URL())
		if err != nil {
			t.Fatalf("after stop -m %s and start: %v\n%s", mode, err, c.Log())
		}
		var n int
		err = conn.QueryRow(ctx, "SELECT n FROM kept").Scan(&n)
		conn.Close(context.Background())
		if err != nil || n != 42 {
			t.Fatalf("after stop -m %s and start: n = %d, %v", mode, n, err)
		}
	}
	if err := c.stop("sideways"); err == nil {
		t.Error("an unknown stop mode was accepted")
	}
	dir := c.dir
	if err := c.remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s left behind (%v)", dir, err)
	}
}
