package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"time"
)

// DefaultPGBin is where Debian puts PostgreSQL 15's initdb and pg_ctl.
const DefaultPGBin = "/usr/lib/postgresql/15/bin"

// clusterUser runs the cluster when pgcost runs as root, which initdb
// refuses.
const clusterUser = "postgres"

// clusterSettings are the server settings of the throwaway cluster, on top
// of PostgreSQL's defaults (synchronous_commit and fsync stay on).
// pg_stat_statements must be preloaded; track_io_timing adds read and
// write times to it, track_planning the planning time. shared_buffers
// holds every form's table at once (the large ones grow by their TOAST
// chunks), as one deployment's single table would be held, so that no
// form reads pages another form's run evicted. A checkpoint is taken
// before each measured run, and the long timeout and large max_wal_size
// keep another from starting during one, so that full-page images are
// counted alike for every form.
var clusterSettings = []string{
	"shared_preload_libraries=pg_stat_statements",
	"shared_buffers=1GB",
	"track_io_timing=on",
	"pg_stat_statements.track_planning=on",
	"checkpoint_timeout=1h",
	"max_wal_size=8GB",
}

// cluster is a throwaway PostgreSQL cluster in a temporary directory,
// listening on a free port of 127.0.0.1.
type cluster struct {
	bin, dir string
	port     int
	asUser   *user.User // nil: the current user
	running  bool
}

// startCluster runs initdb with the binaries in bin, then starts the
// cluster and waits until it accepts connections. The caller stops it.
func startCluster(ctx context.Context, bin string) (_ *cluster, err error) {
	for _, name := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			return nil, fmt.Errorf("pgcost: no %s in %s (install PostgreSQL 15, e.g. apt-get install postgresql-15, or give -pgbin, or -dsn of a server with pg_stat_statements): %w", name, bin, err)
		}
	}
	c := &cluster{bin: bin}
	if os.Geteuid() == 0 {
		if c.asUser, err = user.Lookup(clusterUser); err != nil {
			return nil, fmt.Errorf("pgcost: running as root, and initdb refuses root: need a %q user to run the cluster as: %w", clusterUser, err)
		}
	}
	// A short path: a Unix socket path is limited to about 100 bytes.
	if c.dir, err = os.MkdirTemp("/tmp", "pgcost-"); err != nil {
		return nil, fmt.Errorf("pgcost: cluster directory: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.stop())
		}
	}()
	if err := c.own(c.dir); err != nil {
		return nil, fmt.Errorf("pgcost: cluster directory: %w", err)
	}
	if out, err := c.cmd(ctx, "initdb", "-D", c.data(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgcost: initdb: %w\n%s", err, out)
	}
	if c.port, err = freePort(); err != nil {
		return nil, fmt.Errorf("pgcost: free port: %w", err)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.port, c.dir)
	for _, s := range clusterSettings {
		opts += " -c " + s
	}
	if out, err := c.cmd(ctx, "pg_ctl", "-D", c.data(), "-l", c.log(), "-o", opts, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(c.log())
		return nil, fmt.Errorf("pgcost: pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	c.running = true
	return c, nil
}

// DSN returns the connection string of the cluster's postgres database.
func (c *cluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// stop stops the cluster, if it runs, and removes its directory.
func (c *cluster) stop() error {
	var err error
	if c.running {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, stopErr := c.cmd(ctx, "pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop").CombinedOutput(); stopErr != nil {
			err = fmt.Errorf("pgcost: pg_ctl stop: %w\n%s", stopErr, out)
		}
		c.running = false
	}
	if c.dir != "" {
		err = errors.Join(err, os.RemoveAll(c.dir))
	}
	return err
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }
func (c *cluster) log() string  { return filepath.Join(c.dir, "log") }

// own gives dir to the cluster's user.
func (c *cluster) own(dir string) error {
	if c.asUser == nil {
		return nil
	}
	uid, err := strconv.Atoi(c.asUser.Uid)
	if err != nil {
		return err
	}
	gid, err := strconv.Atoi(c.asUser.Gid)
	if err != nil {
		return err
	}
	return os.Chown(dir, uid, gid)
}

// cmd returns the command that runs the PostgreSQL program name with args
// as the cluster's user.
func (c *cluster) cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asUser == nil {
		cmd = exec.CommandContext(ctx, path, args...)
	} else {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.asUser.Username, "--", path}, args...)...)
	}
	cmd.Dir = os.TempDir() // a directory every user can enter
	cmd.Stdin = bytes.NewReader(nil)
	return cmd
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
