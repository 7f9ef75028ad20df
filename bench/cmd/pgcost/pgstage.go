package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// schema holds pgcost's tables, dropped before and after a run.
const schema = "pgcost"

// warmupPerConn is how many unmeasured executions each connection runs of
// a form before each measured run, so that every connection has prepared
// the statement and passed PostgreSQL's first five custom plans.
const warmupPerConn = 8

// A pgCase is one form on one size of session, in a table of its own.
type pgCase struct {
	form     *form
	size     *size
	table    string // schema-qualified
	sql      string
	queryID  int64
	sessions []sessionState
	pos      []int // each connection's next session, as an index into its share
	samples  []pgSample
	plan     string
}

// name is how the log and the errors name c.
func (c *pgCase) name() string { return c.form.id + " " + c.size.name }

// sessionState is what pgcost knows of a stored session: its hash, its
// version, and how many times it was saved.
type sessionState struct {
	hash    []byte
	version int64
	n       int64
}

// A pgSample is one measured run of a case, per execution.
type pgSample struct {
	execUS, planUS, cpuUS            float64 // cpuUS < 0: not measured
	hit, read, dirtied, written      float64 // shared blocks
	walRecords, walFPI, walBytes     float64 // the statement's, from pg_stat_statements
	allWALBytes                      float64 // the server's, from pg_stat_wal
	updates, hotUpdates, indexGrowth float64 // indexGrowth in bytes
}

// pgStage measures every form on every size.
type pgStage struct {
	cfg     config
	admin   *pgx.Conn
	workers []*pgx.Conn
	pids    []int // the workers' backends; nil when they are not local
	cases   []*pgCase
	pss     string // pg_stat_statements, schema-qualified
	info    serverInfo
}

// serverInfo describes the PostgreSQL server, for the report.
type serverInfo struct {
	version  string
	settings []string
}

// newPGStage connects to dsn, checks the server, and creates and seeds a
// table for every case.
func newPGStage(ctx context.Context, cfg config) (_ *pgStage, err error) {
	st := &pgStage{cfg: cfg}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	if st.admin, err = connect(ctx, cfg.DSN); err != nil {
		return nil, err
	}
	if err := st.checkServer(ctx); err != nil {
		return nil, err
	}
	if _, err := st.admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		return nil, fmt.Errorf("pgcost: create schema %s: %w", schema, err)
	}
	for i := range forms {
		for j := range sizes {
			c, err := st.newCase(ctx, &forms[i], &sizes[j])
			if err != nil {
				return nil, err
			}
			st.cases = append(st.cases, c)
		}
	}
	for range cfg.Conns {
		conn, err := connect(ctx, cfg.DSN)
		if err != nil {
			return nil, err
		}
		st.workers = append(st.workers, conn)
	}
	st.pids = localBackends(cfg.DSN, st.workers)
	for _, c := range st.cases {
		if c.queryID, err = st.queryID(ctx, c); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgcost: -dsn: %w", err)
	}
	cc.RuntimeParams["search_path"] = schema
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("pgcost: connect: %w", err)
	}
	return conn, nil
}

// checkServer checks that the server is PostgreSQL 15 or later with
// pg_stat_statements loaded, and records its version and settings.
func (st *pgStage) checkServer(ctx context.Context) error {
	var num int
	if err := st.admin.QueryRow(ctx, "SELECT current_setting('server_version_num')::int, version()").Scan(&num, &st.info.version); err != nil {
		return fmt.Errorf("pgcost: server version: %w", err)
	}
	if num < 150000 {
		return fmt.Errorf("pgcost: %s: need PostgreSQL 15 or later (pg_stat_force_next_flush)", st.info.version)
	}
	var preload string
	if err := st.admin.QueryRow(ctx, "SELECT current_setting('shared_preload_libraries')").Scan(&preload); err != nil {
		return fmt.Errorf("pgcost: shared_preload_libraries: %w", err)
	}
	if !strings.Contains(preload, "pg_stat_statements") {
		return fmt.Errorf("pgcost: the server's shared_preload_libraries (%q) lacks pg_stat_statements: add it and restart the server, or leave -dsn out to start a throwaway cluster", preload)
	}
	if _, err := st.admin.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA public"); err != nil {
		return fmt.Errorf("pgcost: create extension pg_stat_statements: %w", err)
	}
	var ext string
	if err := st.admin.QueryRow(ctx, "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_stat_statements'").Scan(&ext); err != nil {
		return fmt.Errorf("pgcost: pg_stat_statements' schema: %w", err)
	}
	st.pss = ext + ".pg_stat_statements"
	if _, err := st.admin.Exec(ctx, "SELECT "+st.pss+"_reset()"); err != nil {
		return fmt.Errorf("pgcost: pg_stat_statements (the server needs shared_preload_libraries=pg_stat_statements, and a superuser or pg_read_all_stats role): %w", err)
	}
	for _, s := range []string{"shared_buffers", "synchronous_commit", "fsync", "full_page_writes", "wal_compression",
		"checkpoint_timeout", "max_wal_size", "track_io_timing", "pg_stat_statements.track_planning", "jit"} {
		var v string
		if err := st.admin.QueryRow(ctx, "SELECT current_setting($1)", s).Scan(&v); err == nil {
			st.info.settings = append(st.info.settings, s+"="+v)
		}
	}
	return nil
}

// newCase creates and seeds the table of form f on size z.
func (st *pgStage) newCase(ctx context.Context, f *form, z *size) (*pgCase, error) {
	name := "f" + f.id + "_" + z.name
	c := &pgCase{form: f, size: z, table: schema + "." + name, sql: on(f.sql, name)}
	ddl := on(f.table.ddl, name) + ";\nALTER TABLE " + name + " SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)"
	if _, err := st.admin.Exec(ctx, ddl); err != nil {
		return nil, fmt.Errorf("pgcost: %s: create table: %w", c.name(), err)
	}
	if _, err := st.admin.Exec(ctx, on(seedSQL(f.table), name), z.whole(0), st.cfg.Sessions); err != nil {
		return nil, fmt.Errorf("pgcost: %s: seed: %w", c.name(), err)
	}
	if _, err := st.admin.Exec(ctx, "VACUUM ANALYZE "+name); err != nil {
		return nil, fmt.Errorf("pgcost: %s: vacuum: %w", c.name(), err)
	}
	c.sessions = make([]sessionState, st.cfg.Sessions)
	for i := range c.sessions {
		c.sessions[i] = sessionState{hash: tokenHash(i), version: 1}
	}
	c.pos = make([]int, st.cfg.Conns)
	return c, nil
}

// localBackends returns the process IDs of the connections' backends when
// they run on this machine and /proc shows them, else nil.
func localBackends(dsn string, conns []*pgx.Conn) []int {
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil
	}
	if ip := net.ParseIP(cc.Host); cc.Host != "localhost" && !strings.HasPrefix(cc.Host, "/") && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	var pids []int
	for _, conn := range conns {
		pid := int(conn.PgConn().PID())
		comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			return nil
		}
		pids = append(pids, pid)
	}
	return pids
}

// queryID returns the identifier pg_stat_statements keeps c's statement
// under, from EXPLAIN VERBOSE.
func (st *pgStage) queryID(ctx context.Context, c *pgCase) (int64, error) {
	var out []byte
	err := st.workers[0].QueryRow(ctx, "EXPLAIN (VERBOSE, FORMAT JSON) "+c.sql, c.form.args(c.save(0))...).Scan(&out)
	if err != nil {
		return 0, fmt.Errorf("pgcost: %s: explain: %w", c.name(), err)
	}
	var plans []struct {
		ID int64 `json:"Query Identifier"`
	}
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 || plans[0].ID == 0 {
		return 0, fmt.Errorf("pgcost: %s: no query identifier in EXPLAIN VERBOSE (is compute_query_id off?): %v %.200s", c.name(), err, out)
	}
	return plans[0].ID, nil
}

// save returns the next execution's input for the i-th session: for a
// write, its n+1-th save; a load needs only the hash.
func (c *pgCase) save(i int) save {
	s := &c.sessions[i]
	if !c.form.write {
		return save{hash: s.hash}
	}
	n := s.n + 1
	return save{
		hash: s.hash, version: s.version,
		change: c.size.change(n), whole: c.size.whole(n),
		expires: time.Now().Add(lifetime),
	}
}

// execute runs c once on conn against the i-th session and records what
// it wrote.
func (c *pgCase) execute(ctx context.Context, conn *pgx.Conn, i int) error {
	args := c.form.args(c.save(i))
	if !c.form.write {
		rows, err := conn.Query(ctx, c.sql, args...)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("session %d: the load returned %d rows, want 1", i, n)
		}
		return nil
	}
	tag, err := conn.Exec(ctx, c.sql, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("session %d: the save wrote %d rows, want 1 (version %d)", i, tag.RowsAffected(), c.sessions[i].version)
	}
	c.sessions[i].n++
	if c.form.versioned {
		c.sessions[i].version++
	}
	return nil
}

// runWorkers has every connection execute c n times, each on its own
// share of the sessions (connection w the ones at w, w+conns, ...), so
// that no two wait for one row.
func (st *pgStage) runWorkers(ctx context.Context, c *pgCase, n int) error {
	k := len(st.workers)
	errs := make([]error, k)
	var wg sync.WaitGroup
	for w, conn := range st.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			share := (len(c.sessions) - w + k - 1) / k
			for range n {
				i := w + k*c.pos[w]
				c.pos[w] = (c.pos[w] + 1) % share
				if err := c.execute(ctx, conn, i); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// measure runs c cfg.Execs times from all connections and records a
// sample.
func (st *pgStage) measure(ctx context.Context, c *pgCase) error {
	perConn := max(1, st.cfg.Execs/len(st.workers))
	if err := st.runWorkers(ctx, c, warmupPerConn); err != nil {
		return fmt.Errorf("pgcost: %s: warm-up: %w", c.name(), err)
	}
	for _, conn := range st.workers {
		if err := flushStats(ctx, conn); err != nil {
			return err
		}
	}
	name := strings.TrimPrefix(c.table, schema+".")
	for _, q := range []string{"VACUUM " + name, "CHECKPOINT"} {
		if _, err := st.admin.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgcost: %s: %s: %w", c.name(), q, err)
		}
	}
	if err := flushStats(ctx, st.admin); err != nil {
		return err
	}
	before, err := st.tableStats(ctx, c)
	if err != nil {
		return err
	}
	if _, err := st.admin.Exec(ctx, "SELECT "+st.pss+"_reset()"); err != nil {
		return fmt.Errorf("pgcost: pg_stat_statements_reset: %w", err)
	}
	cpuBefore := st.backendCPU()
	if err := st.runWorkers(ctx, c, perConn); err != nil {
		return fmt.Errorf("pgcost: %s: %w", c.name(), err)
	}
	cpuAfter := st.backendCPU()
	for _, conn := range st.workers {
		if err := flushStats(ctx, conn); err != nil {
			return err
		}
	}
	after, err := st.tableStats(ctx, c)
	if err != nil {
		return err
	}
	s, err := st.statements(ctx, c, perConn*len(st.workers))
	if err != nil {
		return err
	}
	n := float64(perConn * len(st.workers))
	s.cpuUS = -1
	if cpuBefore >= 0 && cpuAfter >= 0 {
		s.cpuUS = float64(cpuAfter-cpuBefore) / 1e3 / n
	}
	s.allWALBytes = (after.walBytes - before.walBytes) / n
	s.updates = (after.updates - before.updates) / n
	s.hotUpdates = (after.hotUpdates - before.hotUpdates) / n
	s.indexGrowth = (after.indexBytes - before.indexBytes) / n
	c.samples = append(c.samples, s)
	return nil
}

// flushStats makes conn's backend report its pending statistics now
// rather than up to a second later: the report happens when the backend
// next waits for a query, so the second query waits for it.
func flushStats(ctx context.Context, conn *pgx.Conn) error {
	for _, q := range []string{"SELECT pg_stat_force_next_flush()", "SELECT pg_stat_clear_snapshot()"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgcost: flush statistics: %w", err)
		}
	}
	return nil
}

// tableCounters are the cumulative counters a sample is the difference of.
type tableCounters struct {
	walBytes            float64
	updates, hotUpdates float64
	indexBytes          float64
}

func (st *pgStage) tableStats(ctx context.Context, c *pgCase) (tableCounters, error) {
	var t tableCounters
	err := st.admin.QueryRow(ctx, `SELECT w.wal_bytes, t.n_tup_upd, t.n_tup_hot_upd,
    (SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) FROM pg_index WHERE indrelid = t.relid)
FROM pg_stat_wal AS w, pg_stat_user_tables AS t
WHERE t.relid = $1::regclass`, c.table).Scan(&t.walBytes, &t.updates, &t.hotUpdates, &t.indexBytes)
	if err != nil {
		return t, fmt.Errorf("pgcost: %s: statistics: %w", c.name(), err)
	}
	return t, nil
}

// statements returns what pg_stat_statements recorded of c's statement
// since the reset, per call; it fails unless it counted calls calls.
func (st *pgStage) statements(ctx context.Context, c *pgCase, calls int) (pgSample, error) {
	var s pgSample
	var n float64
	err := st.admin.QueryRow(ctx, `SELECT coalesce(sum(calls), 0), sum(total_exec_time), sum(total_plan_time),
    sum(shared_blks_hit), sum(shared_blks_read), sum(shared_blks_dirtied), sum(shared_blks_written),
    sum(wal_records), sum(wal_fpi), sum(wal_bytes)
FROM `+st.pss+`
WHERE queryid = $1 AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`, c.queryID).Scan(
		&n, &s.execUS, &s.planUS, &s.hit, &s.read, &s.dirtied, &s.written, &s.walRecords, &s.walFPI, &s.walBytes)
	if err != nil {
		return s, fmt.Errorf("pgcost: %s: pg_stat_statements: %w", c.name(), err)
	}
	if int(n) != calls {
		return s, fmt.Errorf("pgcost: %s: pg_stat_statements counted %.0f calls, want %d (is pg_stat_statements.max too small, or another client running it?)", c.name(), n, calls)
	}
	s.execUS *= 1e3 / n
	s.planUS *= 1e3 / n
	for _, v := range []*float64{&s.hit, &s.read, &s.dirtied, &s.written, &s.walRecords, &s.walFPI, &s.walBytes} {
		*v /= n
	}
	return s, nil
}

// backendCPU returns the CPU time the workers' backends have used, in
// nanoseconds (from /proc/PID/schedstat), or -1 when it cannot be read.
func (st *pgStage) backendCPU() int64 {
	if st.pids == nil {
		return -1
	}
	var total int64
	for _, pid := range st.pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/schedstat")
		if err != nil {
			return -1
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return -1
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return -1
		}
		total += ns
	}
	return total
}

// explain runs EXPLAIN (ANALYZE, BUFFERS, WAL) of one execution of c, in a
// transaction it rolls back, so that the sessions stay as pgcost knows
// them.
func (st *pgStage) explain(ctx context.Context, c *pgCase) error {
	tx, err := st.workers[0].Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgcost: %s: explain: %w", c.name(), err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, WAL) "+c.sql, c.form.args(c.save(0))...)
	if err != nil {
		return fmt.Errorf("pgcost: %s: explain: %w", c.name(), err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("pgcost: %s: explain: %w", c.name(), err)
	}
	c.plan = strings.Join(lines, "\n")
	return nil
}

// run measures every case cfg.Rounds times, the cases in turn within each
// round so that drift falls on all alike, then explains each.
func (st *pgStage) run(ctx context.Context) error {
	total := st.cfg.Rounds * len(st.cases)
	done := 0
	for round := range st.cfg.Rounds {
		for _, c := range st.cases {
			if err := st.measure(ctx, c); err != nil {
				return err
			}
			done++
			s := c.samples[len(c.samples)-1]
			logf("[%d/%d] round %d %-3s %-5s exec %6.1f µs  cpu %6.1f µs  WAL %6.0f B", done, total, round+1,
				c.form.id, c.size.name, s.execUS, s.cpuUS, s.allWALBytes)
		}
	}
	for _, c := range st.cases {
		if err := st.explain(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// close drops the schema and closes the connections.
func (st *pgStage) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, conn := range st.workers {
		_ = conn.Close(ctx)
	}
	st.workers = nil
	if st.admin != nil {
		_, _ = st.admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		_ = st.admin.Close(ctx)
		st.admin = nil
	}
}
