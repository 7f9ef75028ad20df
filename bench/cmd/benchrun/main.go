// Command benchrun runs the whole benchmark against the local PostgreSQL
// and Redis: it seeds the same number of sessions for each implementation,
// counts the database (and Redis) round trips each route costs, drives
// load at each route of each implementation in alternating rounds, prints
// the table, and writes RESULTS.md and results.svg.
//
// Run it from bench/:
//
//	go run ./cmd/benchrun            # the full run, under 12 minutes on 2 cores
//	go run ./cmd/benchrun -quick     # a smoke test of a few seconds per route
//
// Each implementation runs in its own benchserver process; the load
// generator runs in this one.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sessiongen/sessiongen/bench/impl"
	"github.com/sessiongen/sessiongen/bench/internal/benchdb"
	"github.com/sessiongen/sessiongen/bench/internal/loadgen"
)

// issueImpls are the implementations run by default: the four that issue
// 7 compares, cachestore in front of pgstore, and issue 18's Redis and
// file stores beside scs's Redis store. Others in impl.Names run when
// -impls names them; one that shares another's table must not run with
// it, as seeding one would empty the other's sessions.
var issueImpls = []string{"sessiongen", "scs", "gorilla", "bare", "sessiongen-cached", "sessiongen-redis", "scs-redis", "sessiongen-file"}

// config is the run's settings.
type config struct {
	DSN           string
	Impls         []string
	Routes        []string
	Rounds        int
	Duration      time.Duration
	Warmup        time.Duration
	Workers       int
	Pool          int
	Sessions      int
	CountRequests int64
	Out           string
	Changes       string
	Idle          string
	ServerFlags   []string
	Quick         bool
	Micro         bool
}

func main() {
	var cfg config
	var impls, routes, serverFlags string
	flag.StringVar(&cfg.DSN, "dsn", benchdb.DSN(benchdb.DefaultDSN), "PostgreSQL URL of the benchmark database, created if missing (default $BENCH_DATABASE_URL if set)")
	flag.StringVar(&impls, "impls", strings.Join(issueImpls, ","), "implementations to run, comma-separated, of "+strings.Join(impl.Names, ", "))
	flag.StringVar(&routes, "routes", strings.Join(impl.Routes, ","), "routes to run, comma-separated")
	flag.IntVar(&cfg.Rounds, "rounds", 3, "rounds; each round runs every route of every implementation once")
	flag.DurationVar(&cfg.Duration, "duration", 4*time.Second, "measured time per route, implementation and round")
	flag.DurationVar(&cfg.Warmup, "warmup", time.Second, "unmeasured load before each measurement")
	flag.IntVar(&cfg.Workers, "workers", 16, "concurrent keep-alive connections of the load generator")
	flag.IntVar(&cfg.Pool, "pool", 8, "connections of each implementation to its store (PostgreSQL or Redis)")
	flag.IntVar(&cfg.Sessions, "sessions", 1000, "sessions seeded per kind (small, large, login) and implementation")
	flag.Int64Var(&cfg.CountRequests, "count-requests", 500, "requests per route over which round trips are counted")
	flag.StringVar(&cfg.Out, "out", ".", "folder for RESULTS.md and results.svg (empty: write neither)")
	flag.StringVar(&cfg.Changes, "changes", "CHANGES.md", "the hand-written table of issue 16's changes, which RESULTS.md includes as it is")
	flag.StringVar(&cfg.Idle, "idle", "IDLE.md", "the writes per request under an idle timeout, written by cmd/idlewrites, which RESULTS.md includes as it is")
	flag.StringVar(&serverFlags, "server-flags", "", "extra flags for every benchserver of the load phase, space-separated (e.g. -cpuprofile=/tmp/x.prof with -impls sessiongen)")
	flag.BoolVar(&cfg.Micro, "micro", true, "also run the Go micro-benchmarks (runtime middleware, generated accessors) and include them in RESULTS.md")
	flag.BoolVar(&cfg.Quick, "quick", false, "smoke test: 1 round of 1 s, 100 sessions, 100 counted requests; writes nothing unless -out is given")
	flag.Parse()
	cfg.Impls = split(impls)
	cfg.Routes = split(routes)
	cfg.ServerFlags = strings.Fields(serverFlags)
	if cfg.Quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["rounds"] {
			cfg.Rounds = 1
		}
		if !set["duration"] {
			cfg.Duration = time.Second
		}
		if !set["warmup"] {
			cfg.Warmup = 300 * time.Millisecond
		}
		if !set["sessions"] {
			cfg.Sessions = 100
		}
		if !set["count-requests"] {
			cfg.CountRequests = 100
		}
		if !set["out"] {
			cfg.Out = ""
		}
		if !set["micro"] {
			cfg.Micro = false
		}
	}
	if err := run(cfg); err != nil {
		log.Fatal(err)
	}
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func run(cfg config) error {
	ctx := context.Background()
	start := time.Now()
	if cfg.Sessions < cfg.Workers {
		return fmt.Errorf("-sessions %d: need at least as many sessions as -workers (%d)", cfg.Sessions, cfg.Workers)
	}
	changes, err := readChanges(cfg.Changes)
	if err != nil {
		return err
	}
	idle, err := readIdle(cfg.Idle)
	if err != nil {
		return err
	}
	logf("database %s", redact(cfg.DSN))
	if err := benchdb.Ensure(ctx, cfg.DSN); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "benchrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(sessionDir(tmp), 0o700); err != nil {
		return err
	}
	bin := filepath.Join(tmp, "benchserver")
	logf("building benchserver")
	build := exec.Command("go", "build", "-o", bin, "github.com/sessiongen/sessiongen/bench/cmd/benchserver")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build benchserver: %w", err)
	}

	res := newResults(cfg)
	res.Changes, res.Idle = changes, idle
	res.LoadStart = loadAvg()
	if l := res.LoadStart; l > 1 {
		logf("warning: load average %.2f before the run: other processes share the machine, and the figures will show it", l)
	}
	cookies, err := seedAll(ctx, cfg, sessionDir(tmp))
	if err != nil {
		return err
	}

	for _, name := range cfg.Impls {
		if err := countTrips(cfg, bin, tmp, name, cookies[name], res); err != nil {
			return fmt.Errorf("%s: count round trips: %w", name, err)
		}
	}

	servers := map[string]*server{}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, name := range cfg.Impls {
		s, err := startServer(bin, tmp, name, cfg.DSN, cfg.Pool, cfg.ServerFlags)
		if err != nil {
			return err
		}
		servers[name] = s
	}
	meter := newCPUMeter(ctx, cfg.DSN, slices.ContainsFunc(cfg.Impls, res.usesRedis))
	defer meter.close()
	total := cfg.Rounds * len(cfg.Routes) * len(cfg.Impls)
	done := 0
	for round := range cfg.Rounds {
		for _, route := range cfg.Routes {
			for _, name := range cfg.Impls {
				t := cookies[name].target(servers[name].addr, route)
				pid := servers[name].cmd.Process.Pid
				var before, after cpuSample
				r, err := loadgen.RunFor(t, cfg.Workers, cfg.Warmup, cfg.Duration, func(start bool) {
					if start {
						before = meter.sample(ctx, pid, nil)
					} else {
						after = meter.sample(ctx, pid, before.backends)
					}
				})
				if err != nil {
					return err
				}
				if r.Requests > 0 {
					n := time.Duration(r.Requests)
					db := after.db - before.db
					if res.usesRedis(name) {
						db += after.redis - before.redis
					}
					res.addCPU(name, route, cpuPerRequest{
						server: (after.server - before.server) / n,
						db:     db / n,
						loader: (after.loader - before.loader) / n,
					})
				}
				done++
				logf("[%d/%d] round %d %-12s %-17s %8.0f req/s%s", done, total, round+1, route, name, r.PerSecond(), errNote(r))
				res.add(name, route, r)
			}
		}
	}
	// The seeded sessions must still be there: a route that lost its
	// session would have measured an empty one.
	for _, name := range cfg.Impls {
		if err := verifyServer(servers[name].addr, cookies[name]); err != nil {
			return fmt.Errorf("%s: after the load: %w; the figures are not valid", name, err)
		}
	}
	for _, s := range servers {
		s.stop()
	}
	servers = nil

	res.LoadEnd = loadAvg()
	if cfg.Micro {
		res.Micro = microBenchmarks()
	}
	res.Elapsed = time.Since(start)
	if err := res.describe(ctx, cfg); err != nil {
		logf("machine info: %v", err)
	}
	fmt.Println()
	fmt.Print(res.textTable())
	fmt.Println()
	fmt.Print(res.targetsText())
	if cfg.Out != "" {
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return err
		}
		md := filepath.Join(cfg.Out, "RESULTS.md")
		if err := os.WriteFile(md, []byte(res.markdown()), 0o644); err != nil {
			return err
		}
		svg := filepath.Join(cfg.Out, "results.svg")
		if err := os.WriteFile(svg, []byte(res.svg()), 0o644); err != nil {
			return err
		}
		logf("wrote %s and %s", md, svg)
	}
	logf("done in %s", time.Since(start).Round(time.Second))
	if n := res.errors(); n > 0 {
		return fmt.Errorf("%d requests failed; see the table", n)
	}
	return nil
}

func errNote(r loadgen.Result) string {
	if r.Errors == 0 {
		return ""
	}
	return fmt.Sprintf("  (%d errors: %s)", r.Errors, r.FirstError)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchrun: "+format+"\n", args...)
}

// redact hides a password in a connection URL.
func redact(dsn string) string {
	if at := strings.LastIndexByte(dsn, '@'); at >= 0 {
		if scheme := strings.Index(dsn, "://"); scheme >= 0 && scheme < at {
			if colon := strings.IndexByte(dsn[scheme+3:at], ':'); colon >= 0 {
				return dsn[:scheme+3+colon] + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}

// seeded holds the cookies of one implementation's seeded sessions.
type seeded struct {
	cookieName string
	small      []string // /nosession, /read, /write
	large      []string // /read-large, /write-large
	login      []string // /login, updated as it gives new tokens
}

func (s *seeded) target(addr, route string) loadgen.Target {
	t := loadgen.Target{Addr: addr, Path: route, CookieName: s.cookieName, Cookies: s.small}
	switch route {
	case "/read-large", "/write-large":
		t.Cookies = s.large
	case "/login":
		t.Cookies, t.Follow = s.login, true
	}
	return t
}

// seedAll empties every implementation's table (or keys, or files), then
// creates each one's sessions in process, through its own seed routes,
// then checks that each implementation still reads them back. (Emptying
// every table before seeding any matters when two implementations share a
// table.) sessiongen-file keeps its sessions in dir, where its servers
// find them.
func seedAll(ctx context.Context, cfg config, dir string) (map[string]*seeded, error) {
	impls := map[string]impl.Impl{}
	defer func() {
		for _, x := range impls {
			x.Close()
		}
	}()
	tables := map[string]bool{}
	for _, name := range cfg.Impls {
		x, err := impl.New(ctx, name, impl.Config{DSN: cfg.DSN, PoolSize: int32(cfg.Pool), Dir: dir})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		impls[name] = x
		if t := x.Table(); t == "" || !tables[t] {
			if t != "" {
				tables[t] = true
			}
			if err := impl.Reset(ctx, x, cfg.DSN); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	all := map[string]*seeded{}
	for _, name := range cfg.Impls {
		x := impls[name]
		began := time.Now()
		s := &seeded{cookieName: x.CookieName()}
		var err error
		if s.small, err = impl.Seed(x, "/seed-small", cfg.Sessions, cfg.Pool); err != nil {
			return nil, fmt.Errorf("%s: seed: %w", name, err)
		}
		if s.large, err = impl.Seed(x, "/seed-large", cfg.Sessions, cfg.Pool); err != nil {
			return nil, fmt.Errorf("%s: seed: %w", name, err)
		}
		if s.login, err = impl.Seed(x, "/seed-small", cfg.Sessions, cfg.Pool); err != nil {
			return nil, fmt.Errorf("%s: seed: %w", name, err)
		}
		all[name] = s
		logf("%s: seeded %d sessions in %s", name, 3*cfg.Sessions, time.Since(began).Round(time.Millisecond))
	}
	wantLarge := impl.LargeValue(0) + "|" + impl.LargeValue(impl.NumLargeKeys-1)
	for _, name := range cfg.Impls {
		s := all[name]
		for _, c := range []struct{ route, cookie, want string }{
			{"/read", s.small[0], "name=" + impl.SmallName + " count=0"},
			{"/read", s.login[len(s.login)-1], "name=" + impl.SmallName + " count=0"},
			{"/read-large", s.large[len(s.large)-1], wantLarge},
		} {
			if got := readBack(impls[name], c.route, c.cookie); got != c.want {
				return nil, fmt.Errorf("%s: %s of a seeded session answers %.60q, want %.60q", name, c.route, got, c.want)
			}
		}
	}
	for t := range tables {
		if err := benchdb.Analyze(ctx, cfg.DSN, t); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// verifyServer checks over HTTP that the first small and large seeded
// sessions still hold their seeded name and k49.
func verifyServer(addr string, s *seeded) error {
	for _, c := range []struct{ route, cookie, want string }{
		{"/read", s.small[0], "name=" + impl.SmallName + " count="},
		{"/read-large", s.large[0], "|" + impl.LargeValue(impl.NumLargeKeys-1)},
	} {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+c.route, nil)
		if err != nil {
			return err
		}
		req.AddCookie(&http.Cookie{Name: s.cookieName, Value: c.cookie})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		if !strings.Contains(string(body), c.want) {
			return fmt.Errorf("%s of a seeded session answers %.60q, which lacks %.60q", c.route, body, c.want)
		}
	}
	return nil
}

// readBack serves route in process with the session cookie and returns
// the answer.
func readBack(x impl.Impl, route, cookie string) string {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, route, nil)
	req.AddCookie(&http.Cookie{Name: x.CookieName(), Value: cookie})
	x.Handler().ServeHTTP(rec, req)
	return rec.Body.String()
}

// countTrips runs each route through a server whose database connections
// pass through a counting proxy, and records the round trips per request:
// PostgreSQL's, and Redis's for an implementation that counts them
// (impl.RedisTripsRoute).
func countTrips(cfg config, bin, tmp, name string, s *seeded, res *results) error {
	proxy, dsn, err := benchdb.Counted(cfg.DSN)
	if err != nil {
		return err
	}
	defer proxy.Close()
	srv, err := startServer(bin, tmp, name, dsn, cfg.Pool, nil)
	if err != nil {
		return err
	}
	defer srv.stop()
	routes := cfg.Routes
	if name == "sessiongen" && slices.Contains(routes, "/write") {
		routes = append(slices.Clone(routes), updateRoute)
	}
	const workers = 4
	for _, route := range routes {
		t := s.target(srv.addr, route)
		// Warm up first: pgx prepares each statement on each connection
		// once, which costs a round trip of its own.
		if _, err := loadgen.RunN(t, workers, 0, 25*int64(cfg.Pool)); err != nil {
			return err
		}
		before := proxy.RoundTrips()
		redisBefore, redis, err := redisTrips(srv.addr)
		if err != nil {
			return err
		}
		r, err := loadgen.RunN(t, workers, 0, cfg.CountRequests)
		if err != nil {
			return err
		}
		if r.Errors > 0 {
			return fmt.Errorf("%s: %d errors: %s", route, r.Errors, r.FirstError)
		}
		res.setTrips(name, route, float64(proxy.RoundTrips()-before)/float64(r.Requests))
		if redis {
			redisAfter, _, err := redisTrips(srv.addr)
			if err != nil {
				return err
			}
			res.setRedisTrips(name, route, float64(redisAfter-redisBefore)/float64(r.Requests))
		}
	}
	logf("%s: counted round trips", name)
	return nil
}

// redisTrips returns the Redis round trips that the server at addr has
// made so far, and false if it does not count them (it does not serve
// impl.RedisTripsRoute).
func redisTrips(addr string) (int64, bool, error) {
	res, err := http.Get("http://" + addr + impl.RedisTripsRoute)
	if err != nil {
		return 0, false, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	switch {
	case err != nil:
		return 0, false, err
	case res.StatusCode == http.StatusNotFound:
		return 0, false, nil
	case res.StatusCode != http.StatusOK:
		return 0, false, fmt.Errorf("%s: status %d: %.100s", impl.RedisTripsRoute, res.StatusCode, body)
	}
	n, err := strconv.ParseInt(string(body), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", impl.RedisTripsRoute, err)
	}
	return n, true, nil
}

// sessionDir is the directory of sessiongen-file's sessions in the run's
// temporary directory tmp, which every benchserver is given (-dir).
func sessionDir(tmp string) string { return filepath.Join(tmp, "sessions") }

// updateRoute is sessiongen's /write through the generated Update accessor
// (impl/sessiongen.go). countTrips counts its round trips when it counts
// /write's, for the target that the accessor adds none without a
// conflict; it is not loaded, as no other implementation serves it.
const updateRoute = "/update"

// readChanges returns the hand-written table of issue 16's changes at
// path, which RESULTS.md includes as it is, as a section of its own: it
// must begin with a level-2 heading.
func readChanges(path string) (string, error) {
	return readSection(path, "the table of changes", "the hand-written bench/CHANGES.md")
}

// readIdle returns cmd/idlewrites's section of RESULTS.md, from path.
func readIdle(path string) (string, error) {
	return readSection(path, "the idle timeout's writes", "bench/IDLE.md, written by go run ./cmd/idlewrites -duration 6m30s -out IDLE.md")
}

// readSection returns the section of RESULTS.md at path, what it is, as
// it is; it must begin with a level-2 heading. source says where the file
// comes from, for the error when it is missing.
func readSection(path, what, source string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s, included in RESULTS.md: %w (it is %s: run benchrun in bench/, or name the file with its flag)", what, err, source)
	}
	s := strings.TrimSpace(string(b))
	if !strings.HasPrefix(s, "## ") {
		return "", fmt.Errorf("%s: it must begin with a level-2 heading (\"## ...\"), its section of RESULTS.md", path)
	}
	return s + "\n", nil
}

// server is a running benchserver.
type server struct {
	cmd  *exec.Cmd
	addr string
	log  string
}

// startServer starts benchserver on a port of 127.0.0.1 that it chooses
// itself, its output going to a log file in tmp, with sessiongen-file's
// sessions in sessionDir(tmp), and waits until it serves.
func startServer(bin, tmp, name, dsn string, pool int, extra []string) (*server, error) {
	logFile, err := os.CreateTemp(tmp, name+"-*.log")
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	args := append([]string{"-impl", name, "-addr", "127.0.0.1:0", "-dsn", dsn, "-pool", fmt.Sprint(pool), "-dir", sessionDir(tmp)}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, log: logFile.Name()}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if s.addr == "" {
			out, _ := os.ReadFile(s.log)
			if s.addr = listeningOn(out); s.addr == "" {
				err = errors.New("it has not said where it listens")
			}
		}
		if s.addr != "" {
			var res *http.Response
			if res, err = http.Get("http://" + s.addr + "/nosession"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return s, nil
				}
			}
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			s.stop()
			out, _ := os.ReadFile(s.log)
			return nil, fmt.Errorf("%s server did not start: %v\n%s", name, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listeningOn returns the address of benchserver's line "benchserver: NAME
// listening on ADDR" in its output out, or "" while that line is not
// written whole.
func listeningOn(out []byte) string {
	_, after, found := bytes.Cut(out, []byte(" listening on "))
	addr, _, whole := bytes.Cut(after, []byte("\n"))
	if !found || !whole {
		return ""
	}
	return string(addr)
}

// stop ends the server with SIGTERM, so that a CPU profile is written.
func (s *server) stop() {
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// loadAvg returns the 1-minute load average, or -1.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var v float64
	if _, err := fmt.Sscan(string(b), &v); err != nil {
		return -1
	}
	return v
}

// microBenchmarks runs the Go micro-benchmarks of the middleware (in the
// library's module) and of the generated accessors (in this one), and
// returns their result lines.
func microBenchmarks() string {
	logf("running the micro-benchmarks")
	var b strings.Builder
	for _, args := range [][]string{
		{"test", "-C", "..", "-run", "^$", "-bench", "BenchmarkMiddleware", "-benchmem", "./runtime/"},
		{"test", "-run", "^$", "-bench", "BenchmarkAccessors", "-benchmem", "./session/"},
	} {
		out, err := exec.Command("go", args...).CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "pkg:") || strings.HasPrefix(line, "cpu:") {
				b.WriteString(line + "\n")
			}
		}
		if err != nil {
			logf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			fmt.Fprintf(&b, "(go %s failed: %v)\n", strings.Join(args, " "), err)
		}
	}
	return b.String()
}
