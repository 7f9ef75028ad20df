package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// bouncerDirs are searched, after $PATH, for pgbouncer: Debian installs it
// in /usr/sbin, which a non-root $PATH may lack.
var bouncerDirs = []string{"/usr/sbin", "/usr/local/sbin", "/usr/local/bin"}

// bouncerDatabase is the name clients give PgBouncer for the target.
const bouncerDatabase = "sessiongen"

// bouncerTimeout bounds PgBouncer's start and stop.
const bouncerTimeout = 15 * time.Second

// BouncerConfig shapes a PgBouncer. Zero fields take the defaults.
type BouncerConfig struct {
	// PoolSize is default_pool_size: the server connections PgBouncer
	// opens to the target, 4 by default. Fewer than the clients' makes
	// transaction pooling share each among them.
	PoolSize int
	// MaxPreparedStatements is max_prepared_statements, which makes
	// PgBouncer track protocol-level prepared statements across server
	// connections. Only PgBouncer 1.21 and later have it; 0 leaves it out
	// of the configuration (the version's default).
	MaxPreparedStatements int
}

// Bouncer is a PgBouncer in transaction pooling mode that one test starts
// in front of a PostgreSQL database, on a free port of 127.0.0.1.
type Bouncer struct {
	dir, user string
	port      int
	version   [2]int
	pid       int
}

// StartBouncer starts PgBouncer in transaction pooling mode in front of
// the database that target connects to (usually PoolConfig(t)), with
// target's search_path set on every server connection, since PgBouncer
// does not pass it on from clients. Its configuration and user list are
// written in a temporary directory; when the tests run as root it runs as
// the postgres user, since PgBouncer refuses root. It is stopped when t
// ends. It skips t unless $SESSIONGEN_DISTRIBUTED is 1, and when pgbouncer
// is missing skips t outside CI and fails it with CI=true.
func StartBouncer(t testing.TB, target *pgxpool.Config, cfg BouncerConfig) *Bouncer {
	t.Helper()
	bin := requireDistributed(t, "a PgBouncer", "install it (apt-get install pgbouncer)", bouncerDirs, "pgbouncer")["pgbouncer"]
	run, err := runner()
	if err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	version, err := bouncerVersion(bin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 4
	}
	// Not t.TempDir(): its parent is private to the tests' user, and
	// PgBouncer may run as another.
	dir, err := os.MkdirTemp("", "sessiongen-pgbouncer-")
	if err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := run.own(dir); err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	b := &Bouncer{dir: dir, user: target.ConnConfig.User, port: port, version: version}
	if err := b.writeConfig(target, cfg, run); err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), bouncerTimeout)
	defer cancel()
	if out, err := run.cmd(ctx, bin, "-d", b.path("pgbouncer.ini")).CombinedOutput(); err != nil {
		t.Fatalf("pgtest: start pgbouncer: %v\n%s\n%s", err, out, b.Log())
	}
	t.Cleanup(func() {
		if err := b.stop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	if err := b.waitReady(ctx); err != nil {
		t.Fatalf("pgtest: pgbouncer on %d: %v\n%s", port, err, b.Log())
	}
	return b
}

func (b *Bouncer) path(name string) string { return filepath.Join(b.dir, name) }

// writeConfig writes pgbouncer.ini and userlist.txt.
func (b *Bouncer) writeConfig(target *pgxpool.Config, cfg BouncerConfig, run clusterRunner) error {
	cc := target.ConnConfig
	server := fmt.Sprintf("host=%s port=%d dbname=%s user=%s", cc.Host, cc.Port, cc.Database, cc.User)
	if cc.Password != "" {
		server += " password=" + quoteIni(cc.Password)
	}
	if sp := cc.RuntimeParams["search_path"]; sp != "" {
		server += " connect_query=" + quoteIni("SET search_path = "+pgx.Identifier{sp}.Sanitize())
	}
	ini := fmt.Sprintf(`[databases]
%s = %s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, bouncerDatabase, server, b.port, b.path("userlist.txt"), cfg.PoolSize, b.path("pgbouncer.log"), b.path("pgbouncer.pid"))
	if cfg.MaxPreparedStatements > 0 {
		if !b.TracksPreparedStatements() {
			return fmt.Errorf("max_prepared_statements needs PgBouncer 1.21 or later, not %s", b.Version())
		}
		ini += fmt.Sprintf("max_prepared_statements = %d\n", cfg.MaxPreparedStatements)
	}
	// trust still requires the user to be listed.
	users := fmt.Sprintf("%q \"\"\n", cc.User)
	for name, content := range map[string]string{"pgbouncer.ini": ini, "userlist.txt": users} {
		if err := os.WriteFile(b.path(name), []byte(content), 0o644); err != nil {
			return err
		}
		if err := run.own(b.path(name)); err != nil {
			return err
		}
	}
	return nil
}

// quoteIni quotes a value of a [databases] connection string.
func quoteIni(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// bouncerVersion returns the major and minor version of the pgbouncer at
// bin, from `pgbouncer --version` ("PgBouncer 1.18.0").
func bouncerVersion(bin string) ([2]int, error) {
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		return [2]int{}, fmt.Errorf("pgbouncer --version: %w\n%s", err, out)
	}
	m := regexp.MustCompile(`PgBouncer (\d+)\.(\d+)`).FindSubmatch(out)
	if m == nil {
		return [2]int{}, fmt.Errorf("pgbouncer --version: no version in %q", out)
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return [2]int{major, minor}, nil
}

// Version returns PgBouncer's version, as "1.18".
func (b *Bouncer) Version() string { return fmt.Sprintf("%d.%d", b.version[0], b.version[1]) }

// TracksPreparedStatements reports whether this PgBouncer can keep
// protocol-level prepared statements working in transaction pooling mode
// (max_prepared_statements, PgBouncer 1.21 and later).
func (b *Bouncer) TracksPreparedStatements() bool {
	return b.version[0] > 1 || b.version[0] == 1 && b.version[1] >= 21
}

// URL returns the connection string of the database through PgBouncer.
func (b *Bouncer) URL() string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", b.user, b.port, bouncerDatabase)
}

// PoolConfig returns a pool configuration that connects through PgBouncer,
// with pgx's default query exec mode; the caller sets the mode its test is
// about.
func (b *Bouncer) PoolConfig(t testing.TB) *pgxpool.Config {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(b.URL())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return cfg
}

// Log returns PgBouncer's log so far.
func (b *Bouncer) Log() string {
	out, err := os.ReadFile(b.path("pgbouncer.log"))
	if err != nil {
		return fmt.Sprintf("(no pgbouncer log: %v)", err)
	}
	return string(out)
}

// waitReady waits until a query goes through PgBouncer, and records its
// process ID.
func (b *Bouncer) waitReady(ctx context.Context) error {
	var last error
	for ctx.Err() == nil {
		if b.pid == 0 {
			b.pid, last = readPID(b.path("pgbouncer.pid"))
		}
		if b.pid != 0 {
			if last = b.ping(ctx); last == nil {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.Join(ctx.Err(), last)
}

// ping runs one query through PgBouncer.
func (b *Bouncer) ping(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(b.URL())
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "SELECT 1")
	return err
}

// readPID reads the process ID in a PID file's first line.
func readPID(path string) (int, error) {
	out, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// stop ends PgBouncer (SIGTERM, then SIGKILL if it lingers) and waits for
// it to exit.
func (b *Bouncer) stop() error {
	if b.pid == 0 {
		pid, err := readPID(b.path("pgbouncer.pid"))
		if err != nil {
			return nil // it never started
		}
		b.pid = pid
	}
	p, err := os.FindProcess(b.pid)
	if err != nil {
		return nil
	}
	_ = p.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(bouncerTimeout)
	for alive(p) {
		if time.Now().After(deadline) {
			_ = p.Kill()
			return fmt.Errorf("pgbouncer (pid %d) did not stop within %v of SIGTERM; killed", b.pid, bouncerTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// alive reports whether p still runs. A daemon that exited stays a zombie
// until its parent, init, reaps it, and a container's init may never do:
// on Linux a zombie counts as gone.
func alive(p *os.Process) bool {
	if p.Signal(syscall.Signal(0)) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid) + "/stat")
	if err != nil {
		return true // not Linux: the signal's answer is all there is
	}
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}
