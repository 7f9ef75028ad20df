package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Cluster is a private PostgreSQL cluster that one test starts for itself,
// so that it may stop and restart the server (to test what an outage does)
// without disturbing the shared server the other tests use.
type Cluster struct {
	bin, dir, data, logFile string
	port                    int
	run                     clusterRunner

	mu      sync.Mutex
	running bool
}

// clusterCtlTimeout bounds each pg_ctl command.
const clusterCtlTimeout = 2 * time.Minute

// StartCluster creates a cluster with initdb in a temporary directory,
// starts it on a free port of 127.0.0.1, and removes it when t ends. It
// fails t when PostgreSQL's binaries (initdb, pg_ctl) cannot be found: tests
// that need PostgreSQL are never skipped. The cluster trusts local
// connections; its superuser is postgres.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	c, err := newCluster(ctx)
	if err != nil {
		t.Fatalf("pgtest: private cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.remove(); err != nil {
			t.Errorf("pgtest: private cluster: %v", err)
		}
	})
	if err := c.start(); err != nil {
		t.Fatalf("pgtest: private cluster: %v", err)
	}
	return c
}

// newCluster runs initdb in a new temporary directory.
func newCluster(ctx context.Context) (_ *Cluster, err error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	run, err := runner()
	if err != nil {
		return nil, err
	}
	// A short path: a Unix socket path is limited to about 100 bytes.
	dir, err := os.MkdirTemp("/tmp", "sessiongen-pgtest-")
	if err != nil {
		if dir, err = os.MkdirTemp("", "sessiongen-pgtest-"); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	if err := run.own(dir); err != nil {
		return nil, err
	}
	c := &Cluster{
		bin: bin, dir: dir, run: run,
		data: filepath.Join(dir, "data"), logFile: filepath.Join(dir, "log"),
	}
	if out, err := run.cmd(ctx, filepath.Join(bin, "initdb"),
		"-D", c.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	return c, nil
}

// URL returns the connection string of the cluster's postgres database.
// It stays the same across Stop and Start.
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Start starts the stopped cluster again, on the same port, and waits until
// it accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	if err := c.start(); err != nil {
		t.Fatalf("pgtest: private cluster: %v", err)
	}
}

// Stop stops the cluster with pg_ctl's shutdown mode: "fast" (roll back
// open transactions and disconnect clients cleanly) or "immediate" (kill
// every server process at once, as a crash would; the next Start recovers
// from the write-ahead log). It returns when the server is down.
func (c *Cluster) Stop(t testing.TB, mode string) {
	t.Helper()
	if err := c.stop(mode); err != nil {
		t.Fatalf("pgtest: private cluster: %v", err)
	}
}

// Log returns the server's log so far, for a failing test to show.
func (c *Cluster) Log() string {
	b, err := os.ReadFile(c.logFile)
	if err != nil {
		return fmt.Sprintf("(no server log: %v)", err)
	}
	return string(b)
}

func (c *Cluster) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterCtlTimeout)
	defer cancel()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -F", c.port, c.dir)
	out, err := c.run.cmd(ctx, filepath.Join(c.bin, "pg_ctl"),
		"-D", c.data, "-l", c.logFile, "-o", opts, "-w", "-t", "60", "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, c.Log())
	}
	c.running = true
	return nil
}

func (c *Cluster) stop(mode string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return nil
	}
	switch mode {
	case "smart", "fast", "immediate":
	default:
		return fmt.Errorf("pg_ctl stop: unknown mode %q", mode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterCtlTimeout)
	defer cancel()
	out, err := c.run.cmd(ctx, filepath.Join(c.bin, "pg_ctl"),
		"-D", c.data, "-m", mode, "-w", "-t", "60", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl stop -m %s: %w\n%s", mode, err, out)
	}
	c.running = false
	return nil
}

// remove stops the cluster if it runs and deletes its directory.
func (c *Cluster) remove() error {
	err := c.stop("immediate")
	if rmErr := os.RemoveAll(c.dir); rmErr != nil && err == nil {
		err = rmErr
	}
	return err
}
