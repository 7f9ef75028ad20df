package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessiongen/sessiongen/bench/impl"
	"github.com/sessiongen/sessiongen/bench/internal/benchdb"
	"github.com/sessiongen/sessiongen/bench/internal/loadgen"
)

// serverRoutes are the routes whose server side is profiled.
var serverRoutes = []string{"/read", "/write"}

// memProfileRate is benchserver's -memprofilerate: one sample per 32 KiB
// allocated instead of Go's one per 512 KiB, so that each function's
// share is counted from thousands of samples, while the stack walk of
// each sample stays under about 1% of a request's CPU.
const memProfileRate = 32 << 10

// A routeProfile is what the server stage measured of one route of one
// implementation.
type routeProfile struct {
	impl, route string
	rounds      []serverSample
	cpuFiles    []string
	memFiles    []string
	served      int64 // requests the profiled servers answered, warm-ups included

	cpuTotalUS             float64 // the profiles' CPU time per request
	allocsPerReq, bytesReq float64 // the profiles' allocations per request
	cpuTop, ownTop         []pprofRow
	allocTop               []pprofRow
	packages               []packageCost
	runtimeCum             []float64  // of runtimeParts, in seconds
	micro                  *benchLine // from go test -bench, when it ran
}

// A serverSample is one measured window: CPU per request of the server
// process and of the PostgreSQL backends, and the rate.
type serverSample struct {
	serverUS, dbUS, perSecond float64
}

// serverStage profiles benchserver under load.
type serverStage struct {
	cfg      config
	tmp, bin string
	cookies  map[string][]string
	names    map[string]string // cookie names
	profiles []*routeProfile
	micro    string // the micro-benchmarks' output lines
}

// newServerStage builds benchserver and seeds the small sessions of every
// implementation it profiles.
func newServerStage(ctx context.Context, cfg config) (_ *serverStage, err error) {
	st := &serverStage{cfg: cfg, cookies: map[string][]string{}, names: map[string]string{}}
	if st.tmp, err = os.MkdirTemp("", "pgcost-server-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	st.bin = filepath.Join(st.tmp, "benchserver")
	logf("building benchserver")
	build := exec.CommandContext(ctx, "go", "build", "-o", st.bin, "github.com/sessiongen/sessiongen/bench/cmd/benchserver")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgcost: go build benchserver (run pgcost from bench/): %w\n%s", err, out)
	}
	for _, name := range cfg.ServerImpls {
		if err := st.seed(ctx, name); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (st *serverStage) seed(ctx context.Context, name string) error {
	x, err := impl.New(ctx, name, impl.Config{DSN: st.cfg.DSN, PoolSize: int32(st.cfg.Pool)})
	if err != nil {
		return fmt.Errorf("pgcost: %s: %w", name, err)
	}
	defer x.Close()
	if err := benchdb.Reset(ctx, st.cfg.DSN, x.Table()); err != nil {
		return fmt.Errorf("pgcost: %s: %w", name, err)
	}
	if st.cookies[name], err = impl.Seed(x, "/seed-small", st.cfg.Sessions, st.cfg.Pool); err != nil {
		return fmt.Errorf("pgcost: %s: seed: %w", name, err)
	}
	st.names[name] = x.CookieName()
	return benchdb.Analyze(ctx, st.cfg.DSN, x.Table())
}

// run profiles each route of each implementation in cfg.Rounds rounds,
// each in a server of its own, then reads the profiles.
func (st *serverStage) run(ctx context.Context) error {
	meter, err := pgx.Connect(ctx, st.cfg.DSN)
	if err != nil {
		return fmt.Errorf("pgcost: connect: %w", err)
	}
	defer meter.Close(context.Background())
	byKey := map[string]*routeProfile{}
	for round := range st.cfg.Rounds {
		for _, route := range serverRoutes {
			for _, name := range st.cfg.ServerImpls {
				p := byKey[name+route]
				if p == nil {
					p = &routeProfile{impl: name, route: route}
					byKey[name+route] = p
					st.profiles = append(st.profiles, p)
				}
				if err := st.measure(ctx, meter, p, round); err != nil {
					return err
				}
				s := p.rounds[len(p.rounds)-1]
				logf("round %d %-6s %-10s %7.0f req/s  server %5.0f µs/req  PostgreSQL %5.0f µs/req",
					round+1, route, name, s.perSecond, s.serverUS, s.dbUS)
			}
		}
	}
	for _, p := range st.profiles {
		if err := p.read(ctx); err != nil {
			return err
		}
	}
	if st.cfg.Micro {
		st.micro = microBenchmarks(ctx, st.cfg.DSN)
		for _, p := range st.profiles {
			p.micro = findBench(st.micro, p.impl, p.route)
		}
	}
	return nil
}

// measure runs one round of p in a new server, profiled from its start.
func (st *serverStage) measure(ctx context.Context, meter *pgx.Conn, p *routeProfile, round int) error {
	base := filepath.Join(st.tmp, fmt.Sprintf("%s-%s-%d", p.impl, strings.TrimPrefix(p.route, "/"), round))
	p.cpuFiles = append(p.cpuFiles, base+".cpu")
	p.memFiles = append(p.memFiles, base+".mem")
	srv, err := startServer(st.bin, base+".log", p.impl, st.cfg.DSN, st.cfg.Pool,
		"-cpuprofile", base+".cpu", "-memprofile", base+".mem", "-memprofilerate", strconv.Itoa(memProfileRate))
	if err != nil {
		return err
	}
	defer srv.stop()
	t := loadgen.Target{Addr: srv.addr, Path: p.route, CookieName: st.names[p.impl], Cookies: st.cookies[p.impl]}
	if _, err := loadgen.RunN(t, st.cfg.ServerWorkers, 0, st.cfg.ServerWarmup); err != nil {
		return err
	}
	backends := dbBackends(ctx, meter)
	serverBefore, dbBefore := procCPU(srv.cmd.Process.Pid), sumCPU(backends)
	r, err := loadgen.RunN(t, st.cfg.ServerWorkers, 0, st.cfg.ServerRequests)
	if err != nil {
		return err
	}
	serverAfter, dbAfter := procCPU(srv.cmd.Process.Pid), sumCPU(backends)
	if r.Errors > 0 || r.Requests == 0 {
		return fmt.Errorf("pgcost: %s %s: %d requests failed: %s", p.impl, p.route, r.Errors, r.FirstError)
	}
	if err := srv.stop(); err != nil {
		return fmt.Errorf("pgcost: %s %s: %w", p.impl, p.route, err)
	}
	n := float64(r.Requests)
	p.served += srv.probes + st.cfg.ServerWarmup + r.Requests
	p.rounds = append(p.rounds, serverSample{
		serverUS:  (serverAfter - serverBefore).Seconds() * 1e6 / n,
		dbUS:      (dbAfter - dbBefore).Seconds() * 1e6 / n,
		perSecond: r.PerSecond(),
	})
	return nil
}

// read summarises p's profiles, all rounds merged.
func (p *routeProfile) read(ctx context.Context) error {
	served := float64(p.served)
	all := []string{"-nodecount=1000000", "-nodefraction=0", "-edgefraction=0"}
	cpu, err := pprofTop(ctx, p.cpuFiles, all...)
	if err != nil {
		return err
	}
	p.cpuTotalUS, p.cpuTop = cpu.total*1e6/served, cpu.rows[:min(12, len(cpu.rows))]
	own, err := pprofTop(ctx, p.cpuFiles, "-cum", "-show=^github.com/sessiongen/sessiongen/runtime", "-nodecount=12")
	if err != nil {
		return err
	}
	p.ownTop = own.rows
	objects, err := pprofTop(ctx, p.memFiles, append(all, "-sample_index=alloc_objects")...)
	if err != nil {
		return err
	}
	space, err := pprofTop(ctx, p.memFiles, append(all, "-sample_index=alloc_space")...)
	if err != nil {
		return err
	}
	p.allocsPerReq, p.bytesReq = objects.total/served, space.total/served
	p.allocTop = objects.rows[:min(10, len(objects.rows))]
	for i := range p.allocTop {
		p.allocTop[i].bytes = space.flat(p.allocTop[i].name)
	}
	p.packages = byPackage(cpu, objects, space)
	for _, fn := range runtimeParts {
		p.runtimeCum = append(p.runtimeCum, cpu.cum(fn.name))
	}
	return nil
}

// runtimeParts are the Go runtime's functions whose cumulative CPU says
// what its share of a request is spent on.
var runtimeParts = []struct{ name, what string }{
	{"runtime.mallocgc", "allocating"},
	{"runtime.gcBgMarkWorker", "the collector's background marking"},
	{"runtime.schedule", "scheduling goroutines"},
	{"internal/runtime/syscall/linux.Syscall6", "system calls"},
}

// A packageCost is what one package's functions cost themselves (flat),
// in all.
type packageCost struct {
	name                  string
	cpu, objects, bytes   float64
	cpuShare, objectShare float64 // of the profiles' totals
}

// byPackage sums the flat figures of every function by its package,
// largest CPU first.
func byPackage(cpu, objects, space pprofTable) []packageCost {
	costs := map[string]*packageCost{}
	get := func(fn string) *packageCost {
		name := packageOf(fn)
		if costs[name] == nil {
			costs[name] = &packageCost{name: name}
		}
		return costs[name]
	}
	for _, r := range cpu.rows {
		get(r.name).cpu += r.flat
	}
	for _, r := range objects.rows {
		get(r.name).objects += r.flat
	}
	for _, r := range space.rows {
		get(r.name).bytes += r.flat
	}
	var list []packageCost
	for _, c := range costs {
		if cpu.total > 0 {
			c.cpuShare = c.cpu / cpu.total
		}
		if objects.total > 0 {
			c.objectShare = c.objects / objects.total
		}
		list = append(list, *c)
	}
	slices.SortFunc(list, func(a, b packageCost) int { return cmp.Or(cmp.Compare(b.cpu, a.cpu), cmp.Compare(a.name, b.name)) })
	return list
}

// packageOf returns the package of a function as pprof names it:
// github.com/jackc/pgx/v5/pgtype.(*Map).Encode is in
// github.com/jackc/pgx/v5/pgtype, runtime.mallocgc in runtime.
// A function's own name holds no slash, but its type arguments may.
func packageOf(fn string) string {
	fn = strings.TrimSuffix(fn, " (inline)")
	head := fn // type arguments may hold other packages' paths
	if i := strings.IndexAny(fn, "[("); i >= 0 {
		head = fn[:i]
	}
	slash := strings.LastIndexByte(head, '/')
	if dot := strings.IndexByte(fn[slash+1:], '.'); dot >= 0 {
		return fn[:slash+1+dot]
	}
	return fn
}

// dbBackends returns the PIDs of the backends connected to the database,
// but for meter's own.
func dbBackends(ctx context.Context, meter *pgx.Conn) []int {
	rows, err := meter.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
	if err != nil {
		return nil
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil
	}
	return pids
}

func sumCPU(pids []int) time.Duration {
	var d time.Duration
	for _, pid := range pids {
		d += procCPU(pid)
	}
	return d
}

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ).
const clockTick = 10 * time.Millisecond

// procCPU returns the user+system CPU time of process pid, all its
// threads, or 0 when /proc does not show it.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * clockTick
}

func (st *serverStage) close() {
	if st.tmp != "" {
		_ = os.RemoveAll(st.tmp)
	}
}

// server is a running benchserver.
type server struct {
	cmd    *exec.Cmd
	addr   string
	log    string
	probes int64 // the requests that checked it serves
	done   chan error
}

// startServer starts benchserver with impl name on a port it chooses,
// its output going to logPath, and waits until it serves.
func startServer(bin, logPath, name, dsn string, pool int, extra ...string) (*server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	args := append([]string{"-impl", name, "-addr", "127.0.0.1:0", "-dsn", dsn, "-pool", strconv.Itoa(pool)}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgcost: start benchserver: %w", err)
	}
	done := make(chan error, 1)
	s := &server{cmd: cmd, log: logPath, done: done}
	go func() { done <- cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if s.addr == "" {
			out, _ := os.ReadFile(logPath)
			if _, after, ok := bytes.Cut(out, []byte(" listening on ")); ok {
				if addr, _, whole := bytes.Cut(after, []byte("\n")); whole {
					s.addr = string(addr)
				}
			}
		}
		if s.addr != "" {
			s.probes++
			if res, err := http.Get("http://" + s.addr + "/nosession"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return s, nil
				}
			}
		}
		select {
		case err := <-done:
			s.done = nil
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("pgcost: benchserver %s exited: %v\n%s", name, err, out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.stop()
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("pgcost: benchserver %s did not start\n%s", name, out)
		}
	}
}

// stop ends the server with SIGTERM, so that it writes its profiles, and
// waits for it; a second stop does nothing.
func (s *server) stop() error {
	if s.done == nil {
		return nil
	}
	done := s.done
	s.done = nil
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			out, _ := os.ReadFile(s.log)
			return fmt.Errorf("benchserver: %w\n%s", err, out)
		}
		return nil
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
		return errors.New("benchserver did not stop within 20s of SIGTERM, and was killed: its profiles are incomplete")
	}
}
