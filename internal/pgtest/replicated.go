package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// standbyName is the standby's cluster_name, which its WAL receiver gives
// the primary as application_name, and which synchronous_standby_names
// lists.
const standbyName = "standby1"

// replicationTimeout bounds each wait of StartReplicated and Promote.
const replicationTimeout = time.Minute

// Replicated is a primary and a streaming standby that one test starts, on
// ports and data directories of their own, with fsync on, so that what the
// primary acknowledged is on its disk, as in production.
type Replicated struct {
	Primary, Standby *Node
	// Synchronous reports whether the primary waits for the standby's
	// flush before acknowledging a commit.
	Synchronous bool

	dir string
}

// Node is one server of a Replicated.
type Node struct {
	pgCtl, data, logFile, sockDir string
	port                          int
	run                           clusterRunner
	killed                        bool
}

// StartReplicated creates a primary with initdb, starts it on a free port
// of 127.0.0.1, clones it with `pg_basebackup -R` into a standby that
// streams its WAL, starts that on another free port, and, when synchronous,
// lists the standby in the primary's synchronous_standby_names (with
// synchronous_commit on, a commit then waits until the standby has flushed
// it). It returns once the standby streams (and is the synchronous one,
// when synchronous). Both are removed when t ends. Like StartCluster it
// runs the servers as postgres when the tests run as root. It skips t
// unless $SESSIONGEN_DISTRIBUTED is 1, and when PostgreSQL's binaries are
// missing skips t outside CI and fails it with CI=true.
func StartReplicated(t testing.TB, synchronous bool) *Replicated {
	t.Helper()
	var dirs []string
	if bin, err := findBinDir(); err == nil {
		// $PATH may hold links to some of a version's binaries only.
		if real, err := filepath.EvalSymlinks(filepath.Join(bin, "pg_ctl")); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, bin)
	}
	tools := requireDistributed(t, "a PostgreSQL primary and a standby",
		"install PostgreSQL (apt-get install postgresql)", dirs, "initdb", "pg_ctl", "pg_basebackup")
	run, err := runner()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	// A short path: a Unix socket path is limited to about 100 bytes.
	dir, err := os.MkdirTemp("/tmp", "sessiongen-pgrepl-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	r := &Replicated{Synchronous: synchronous, dir: dir}
	t.Cleanup(func() {
		if err := r.remove(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	if err := run.own(dir); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := r.setUp(ctx, tools, run); err != nil {
		t.Fatalf("pgtest: primary and standby in %s: %v", dir, err)
	}
	return r
}

// setUp creates and starts both servers with tools (initdb, pg_ctl and
// pg_basebackup, by name).
func (r *Replicated) setUp(ctx context.Context, tools map[string]string, run clusterRunner) error {
	newNode := func(name string) (*Node, error) {
		port, err := freePort()
		return &Node{
			pgCtl: tools["pg_ctl"], data: filepath.Join(r.dir, name), logFile: filepath.Join(r.dir, name+".log"),
			sockDir: r.dir, port: port, run: run,
		}, err
	}
	var err error
	if r.Primary, err = newNode("primary"); err != nil {
		return err
	}
	if out, err := run.cmd(ctx, tools["initdb"],
		"-D", r.Primary.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C").CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// initdb's pg_hba.conf with -A trust lets 127.0.0.1 replicate.
	if err := r.Primary.start(ctx); err != nil {
		return err
	}
	if r.Standby, err = newNode("standby"); err != nil {
		return err
	}
	if out, err := run.cmd(ctx, tools["pg_basebackup"],
		"-h", "127.0.0.1", "-p", strconv.Itoa(r.Primary.port), "-U", "postgres",
		"-D", r.Standby.data, "-R", "-X", "stream", "-c", "fast").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_basebackup: %w\n%s", err, out)
	}
	if err := r.Standby.start(ctx, "-c", "cluster_name="+standbyName); err != nil {
		return err
	}
	if r.Synchronous {
		// Set after the base backup, so that the standby, promoted, does
		// not wait for a standby of its own.
		err := r.Primary.exec(ctx, "ALTER SYSTEM SET synchronous_standby_names = "+quoteLiteral(standbyName), "SELECT pg_reload_conf()")
		if err != nil {
			return err
		}
	}
	return r.waitStreaming(ctx)
}

// waitStreaming waits until the primary sees the standby streaming, in
// the sync state it should be in.
func (r *Replicated) waitStreaming(ctx context.Context) error {
	want := "async"
	if r.Synchronous {
		want = "sync"
	}
	ctx, cancel := context.WithTimeout(ctx, replicationTimeout)
	defer cancel()
	var state, sync string
	for {
		err := r.Primary.queryRow(ctx,
			"SELECT state, sync_state FROM pg_stat_replication WHERE application_name = $1", []any{standbyName}, &state, &sync)
		if err == nil && state == "streaming" && sync == want {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("the standby is not streaming as %s after %v (state %q, sync_state %q, %v)\n%s",
				want, replicationTimeout, state, sync, err, r.Standby.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL returns a connection string that lists both servers and accepts
// only one that takes writes (target_session_attrs=read-write): the
// primary, or after a promotion the standby. Connection attempts give up
// after 2 seconds.
func (r *Replicated) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/postgres?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		r.Primary.port, r.Standby.port)
}

// remove stops both servers, if they run, and deletes their directory.
func (r *Replicated) remove() error {
	var errs []error
	for _, n := range []*Node{r.Standby, r.Primary} {
		if n != nil {
			errs = append(errs, n.stop())
		}
	}
	errs = append(errs, os.RemoveAll(r.dir))
	return errors.Join(errs...)
}

// stop stops the node with pg_ctl's immediate mode if it runs, or kills it
// if pg_ctl cannot.
func (n *Node) stop() error {
	if n.killed {
		return nil
	}
	if _, err := os.Stat(filepath.Join(n.data, "postmaster.pid")); err != nil {
		return nil // not running
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterCtlTimeout)
	defer cancel()
	if _, err := n.run.cmd(ctx, n.pgCtl, "-D", n.data, "-m", "immediate", "-w", "-t", "60", "stop").CombinedOutput(); err == nil {
		return nil
	}
	return n.kill()
}

// URL returns the connection string of the node's postgres database.
func (n *Node) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", n.port)
}

// Log returns the node's server log so far.
func (n *Node) Log() string {
	b, err := os.ReadFile(n.logFile)
	if err != nil {
		return fmt.Sprintf("(no server log: %v)", err)
	}
	return string(b)
}

// start starts the node with pg_ctl and waits until it accepts
// connections.
func (n *Node) start(ctx context.Context, opts ...string) error {
	o := append([]string{"-p", strconv.Itoa(n.port), "-k", n.sockDir, "-c", "listen_addresses=127.0.0.1"}, opts...)
	out, err := n.run.cmd(ctx, n.pgCtl,
		"-D", n.data, "-l", n.logFile, "-o", strings.Join(o, " "), "-w", "-t", "60", "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl start %s: %w\n%s\n%s", n.data, err, out, n.Log())
	}
	return nil
}

// Kill kills the node's postmaster and every process it started with
// SIGKILL, at once, as a crash of its machine would: nothing is flushed,
// no client is told. The node is not started again.
func (n *Node) Kill(t testing.TB) {
	t.Helper()
	if err := n.kill(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

func (n *Node) kill() error {
	if n.killed {
		return nil
	}
	pid, err := readPID(filepath.Join(n.data, "postmaster.pid"))
	if err != nil {
		return nil // not running
	}
	n.killed = true
	defer n.removeSharedMemory()
	procs := append([]int{pid}, children(pid)...)
	for _, p := range procs {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	deadline := time.Now().Add(replicationTimeout)
	for _, p := range procs {
		proc, err := os.FindProcess(p)
		if err != nil {
			continue
		}
		for alive(proc) {
			if time.Now().After(deadline) {
				return fmt.Errorf("process %d of %s survived SIGKILL for %v", p, n.data, replicationTimeout)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// removeSharedMemory removes the System V shared memory segment of the
// killed node, which only a postmaster that exits cleanly removes, with
// ipcrm when there is one. Its ID is the second field of postmaster.pid's
// seventh line.
func (n *Node) removeSharedMemory() {
	b, err := os.ReadFile(filepath.Join(n.data, "postmaster.pid"))
	if err != nil {
		return
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 7 {
		return
	}
	f := strings.Fields(lines[6])
	if len(f) != 2 {
		return
	}
	if ipcrm, err := exec.LookPath("ipcrm"); err == nil {
		_ = exec.Command(ipcrm, "-m", f[1]).Run()
	}
}

// children returns the processes whose parent is pid, from /proc; none
// where there is no /proc.
func children(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		// After the command: state, then the parent's pid.
		if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// Promote promotes the node, a standby, to a primary with `pg_ctl
// promote`, and returns once it accepts writes.
func (n *Node) Promote(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), replicationTimeout)
	defer cancel()
	out, err := n.run.cmd(ctx, n.pgCtl, "-D", n.data, "-w", "-t", "60", "promote").CombinedOutput()
	if err != nil {
		t.Fatalf("pgtest: pg_ctl promote %s: %v\n%s\n%s", n.data, err, out, n.Log())
	}
}

// exec runs statements on the node, each on its own.
func (n *Node) exec(ctx context.Context, stmts ...string) error {
	conn, err := pgx.Connect(ctx, n.URL())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// queryRow runs a query of one row on the node and scans it into dst.
func (n *Node) queryRow(ctx context.Context, sql string, args []any, dst ...any) error {
	conn, err := pgx.Connect(ctx, n.URL())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.QueryRow(ctx, sql, args...).Scan(dst...)
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
