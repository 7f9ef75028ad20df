package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/bench/impl"
	"github.com/sessiongen/sessiongen/bench/internal/loadgen"
)

// results collects the measurements of a run.
type results struct {
	cfg      config
	rps      map[string]map[string][]float64 // impl → route → per round
	errs     map[string]map[string]int64
	firstErr map[string]map[string]string
	trips    map[string]map[string]float64 // PostgreSQL's
	redis    map[string]map[string]float64 // Redis's, for the implementations that count them
	cpu      map[string]map[string][]cpuPerRequest
	lat      map[string]map[string][]latency // per round

	Elapsed  time.Duration
	Date     time.Time
	Machine  []string // "key: value" lines
	Versions []string
	Micro    string // micro-benchmark output, if run
	Changes  string // CHANGES.md, the hand-written table of issue 16's changes
	Idle     string // IDLE.md, cmd/idlewrites's writes under an idle timeout

	LoadStart, LoadEnd float64 // 1-minute load averages
}

func newResults(cfg config) *results {
	r := &results{
		cfg: cfg, Date: time.Now().UTC(),
		rps:      map[string]map[string][]float64{},
		errs:     map[string]map[string]int64{},
		firstErr: map[string]map[string]string{},
		trips:    map[string]map[string]float64{},
		redis:    map[string]map[string]float64{},
		cpu:      map[string]map[string][]cpuPerRequest{},
		lat:      map[string]map[string][]latency{},
	}
	for _, name := range cfg.Impls {
		r.rps[name] = map[string][]float64{}
		r.errs[name] = map[string]int64{}
		r.firstErr[name] = map[string]string{}
		r.trips[name] = map[string]float64{}
		r.redis[name] = map[string]float64{}
		r.cpu[name] = map[string][]cpuPerRequest{}
		r.lat[name] = map[string][]latency{}
	}
	return r
}

func (r *results) add(name, route string, res loadgen.Result) {
	r.rps[name][route] = append(r.rps[name][route], res.PerSecond())
	r.errs[name][route] += res.Errors
	if res.FirstError != "" && r.firstErr[name][route] == "" {
		r.firstErr[name][route] = res.FirstError
	}
	if h := res.Latency; h != nil && h.Count() > 0 {
		r.lat[name][route] = append(r.lat[name][route], latency{p50: h.Quantile(0.50), p99: h.Quantile(0.99), max: h.Max()})
	}
}

// latency is one round's latency percentiles of a route.
type latency struct{ p50, p99, max time.Duration }

// latencyMedian returns the medians over the rounds of name's p50, p99 and
// max latency on route, in milliseconds, NaN when none was measured.
func (r *results) latencyMedian(name, route string) (p50, p99, worst float64) {
	ls := r.lat[name][route]
	if len(ls) == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	var a, b, c []float64
	for _, l := range ls {
		a = append(a, ms(l.p50))
		b = append(b, ms(l.p99))
		c = append(c, ms(l.max))
	}
	return median(a), median(b), median(c)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtMs formats milliseconds to about three significant digits.
func fmtMs(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func (r *results) latencyString(name, route string) string {
	p50, p99, worst := r.latencyMedian(name, route)
	if math.IsNaN(p50) {
		return "–"
	}
	return fmtMs(p50) + " / " + fmtMs(p99) + " / " + fmtMs(worst)
}

func (r *results) addCPU(name, route string, c cpuPerRequest) {
	r.cpu[name][route] = append(r.cpu[name][route], c)
}

// cpuMedian returns the median CPU µs per request of the server, the
// database backends and the load generator over the rounds, NaN when none
// was measured.
func (r *results) cpuMedian(name, route string) (server, db, loader float64) {
	cs := r.cpu[name][route]
	if len(cs) == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	var sv, d, ld []float64
	for _, c := range cs {
		sv = append(sv, float64(c.server)/1e3)
		d = append(d, float64(c.db)/1e3)
		ld = append(ld, float64(c.loader)/1e3)
	}
	return median(sv), median(d), median(ld)
}

// cpuString renders cpuMedian as "server / db / loader".
func (r *results) cpuString(name, route string) string {
	sv, db, ld := r.cpuMedian(name, route)
	if math.IsNaN(sv) {
		return "–"
	}
	return fmt.Sprintf("%.0f / %.0f / %.0f", sv, db, ld)
}

func (r *results) setTrips(name, route string, v float64) { r.trips[name][route] = v }

// setRedisTrips records the Redis round trips per request of name on
// route.
func (r *results) setRedisTrips(name, route string, v float64) { r.redis[name][route] = v }

// usesRedis reports whether name counted Redis round trips: whether it
// keeps its sessions, or a cache of them, in Redis.
func (r *results) usesRedis(name string) bool { return len(r.redis[name]) > 0 }

func (r *results) errors() int64 {
	var n int64
	for _, m := range r.errs {
		for _, e := range m {
			n += e
		}
	}
	return n
}

// median returns the median requests/s of name on route over the rounds,
// NaN when it did not run.
func (r *results) median(name, route string) float64 {
	v, ok := r.rps[name][route]
	if !ok || len(v) == 0 {
		return math.NaN()
	}
	return median(v)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ratio returns median(name)/median(base) on route, NaN if either is
// missing.
func (r *results) ratio(name, base, route string) float64 {
	b := r.median(base, route)
	if b == 0 {
		return math.NaN()
	}
	return r.median(name, route) / b
}

func (r *results) trip(name, route string) float64 {
	v, ok := r.trips[name][route]
	if !ok {
		return math.NaN()
	}
	return v
}

func fmtRatio(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f×", v)
}

func fmtTrips(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

// tripsString renders name's round trips per request on route:
// PostgreSQL's, and Redis's marked as such ("1.00 Redis", or "0.20 + 1.00
// Redis" for an implementation that uses both).
func (r *results) tripsString(name, route string) string {
	pg := r.trip(name, route)
	rt, ok := r.redis[name][route]
	switch {
	case !ok:
		return fmtTrips(pg)
	case pg == 0:
		return fmtTrips(rt) + " Redis"
	}
	return fmtTrips(pg) + " + " + fmtTrips(rt) + " Redis"
}

func fmtRPS(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.0f", v)
}

// scsBase is the implementation that the "× scs" column compares name
// with: scs over the same kind of store, scs-redis for the
// implementations over Redis alone, and scs over pgxstore for the others
// (scs has no file store).
func scsBase(name string) string {
	switch name {
	case "sessiongen-redis", "scs-redis":
		return "scs-redis"
	}
	return "scs"
}

// rows returns the table's header and rows.
func (r *results) rows() ([]string, [][]string) {
	head := []string{"route", "impl", "req/s (median)", "min–max", "× bare", "× scs", "latency ms p50 / p99 / max", "round trips/req", "CPU µs/req server / db / loader", "errors"}
	var rows [][]string
	for _, route := range r.cfg.Routes {
		for _, name := range r.cfg.Impls {
			v := r.rps[name][route]
			spread := "–"
			if len(v) > 0 {
				spread = fmt.Sprintf("%.0f–%.0f", slices.Min(v), slices.Max(v))
			}
			rows = append(rows, []string{
				route, name, fmtRPS(r.median(name, route)), spread,
				fmtRatio(r.ratio(name, "bare", route)), fmtRatio(r.ratio(name, scsBase(name), route)),
				r.latencyString(name, route), r.tripsString(name, route), r.cpuString(name, route), fmt.Sprint(r.errs[name][route]),
			})
		}
	}
	return head, rows
}

// textTable renders the table for a terminal.
func (r *results) textTable() string {
	head, rows := r.rows()
	widths := make([]int, len(head))
	for _, row := range append([][]string{head}, rows...) {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(row []string) {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i < 2 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
			b.WriteString("  ")
		}
		b.WriteString("\n")
	}
	line(head)
	prev := ""
	for _, row := range rows {
		if prev != "" && row[0] != prev {
			b.WriteString("\n")
		}
		prev = row[0]
		line(row)
	}
	return b.String()
}

// markdownTable renders the table in Markdown.
func (r *results) markdownTable() string {
	head, rows := r.rows()
	var b strings.Builder
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for i := range head {
		if i < 2 {
			b.WriteString(" --- |")
		} else {
			b.WriteString(" ---: |")
		}
	}
	b.WriteString("\n")
	for _, row := range rows {
		if row[1] == "sessiongen" {
			row = slices.Clone(row)
			row[1], row[2] = "**sessiongen**", "**"+row[2]+"**"
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	return b.String()
}

// target is one of the targets for sessiongen: issue 16's, and issue 7's
// round trips.
type target struct {
	what     string
	want     string
	shown    string // the measured figure, as the report shows it
	ok       bool
	measured bool
}

// tripWant are issue 7's round trips per request: exactly this many
// (reads, and no session), or at most this many (writes).
var tripWant = map[string]float64{"/nosession": 0, "/read": 1, "/read-large": 1, "/write": 2, "/write-large": 2}

// bareWant are issue 16's least req/s, as a multiple of bare's.
var bareWant = map[string]float64{"/write": 0.9, "/write-large": 1.1, "/read": 0.95, "/read-large": 0.95}

// scsWant is issue 16's least req/s on every route, as a multiple of scs's.
const scsWant = 1.25

// targets returns sessiongen's targets that this run's implementations and
// routes measure.
func (r *results) targets() []target {
	has := func(name string) bool { return slices.Contains(r.cfg.Impls, name) }
	if !has("sessiongen") {
		return nil
	}
	const sg = "sessiongen"
	var ts []target
	for _, route := range r.cfg.Routes {
		want, ok := tripWant[route]
		if !ok {
			continue
		}
		got := r.trip(sg, route)
		cmp := "≤"
		if want < 2 {
			cmp = "="
		}
		// Counts are averages: allow a stray pool ping or statement prepare.
		met := got <= want+0.05 && (cmp == "≤" || got >= want-0.05)
		ts = append(ts, target{what: "round trips/req " + route, want: fmt.Sprintf("%s %.0f", cmp, want), shown: fmtTrips(got), ok: met, measured: !math.IsNaN(got)})
	}
	if slices.Contains(r.cfg.Routes, "/write") {
		got, write := r.trip(sg, updateRoute), r.trip(sg, "/write")
		ts = append(ts, target{
			what: "round trips/req " + updateRoute + " (UpdateCount, no conflict)", want: "≤ /write's",
			shown: fmt.Sprintf("%s (/write %s)", fmtTrips(got), fmtTrips(write)),
			ok:    got <= write+0.05, measured: !math.IsNaN(got) && !math.IsNaN(write),
		})
	}
	if has("bare") {
		for _, route := range r.cfg.Routes {
			if want, ok := bareWant[route]; ok {
				ts = append(ts, ratioTarget("req/s vs bare "+route, r.ratio(sg, "bare", route), want))
			}
		}
	}
	if has("scs") {
		for _, route := range r.cfg.Routes {
			ts = append(ts, ratioTarget("req/s vs scs "+route, r.ratio(sg, "scs", route), scsWant))
		}
		if slices.Contains(r.cfg.Routes, "/write") {
			_, got, _ := r.latencyMedian(sg, "/write")
			_, scs, _ := r.latencyMedian("scs", "/write")
			ts = append(ts, notAboveSCS("p99 latency /write", got, scs, fmtMs, " ms"))
			_, got, _ = r.cpuMedian(sg, "/write")
			_, scs, _ = r.cpuMedian("scs", "/write")
			ts = append(ts, notAboveSCS("PostgreSQL CPU µs/req /write", got, scs, func(v float64) string { return fmt.Sprintf("%.0f", v) }, " µs"))
		}
	}
	if allocs, ok := microAllocs(r.Micro, "BenchmarkMiddleware/untouched/cookie"); ok {
		ts = append(ts, target{what: "middleware allocs/req, untouched", want: "≤ 4", shown: fmt.Sprintf("%.0f", allocs), ok: allocs <= 4, measured: true})
	}
	return ts
}

// ratioTarget is the target of a req/s ratio of at least want.
func ratioTarget(what string, got, want float64) target {
	return target{what: what, want: fmt.Sprintf("≥ %.2f×", want), shown: fmtRatio(got), ok: got >= want, measured: !math.IsNaN(got)}
}

// notAboveSCS is the target of a figure no higher than scs's, shown with
// both.
func notAboveSCS(what string, got, scs float64, format func(float64) string, unit string) target {
	return target{
		what: what, want: "≤ scs's", shown: fmt.Sprintf("%s%s (scs %s)", format(got), unit, format(scs)),
		ok: got <= scs, measured: !math.IsNaN(got) && !math.IsNaN(scs),
	}
}

// microAllocs returns the allocs/op of the named micro-benchmark in out.
func microAllocs(out, name string) (float64, bool) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[0], name+"-") && f[0] != name {
			continue
		}
		for i := 1; i < len(f); i++ {
			if f[i] == "allocs/op" {
				var v float64
				if _, err := fmt.Sscan(f[i-1], &v); err == nil {
					return v, true
				}
			}
		}
	}
	return 0, false
}

func (t target) verdict() string {
	switch {
	case !t.measured:
		return "not measured"
	case t.ok:
		return "met"
	}
	return "MISSED"
}

func (r *results) targetsText() string {
	ts := r.targets()
	var what, want, shown int
	for _, t := range ts {
		what, want, shown = max(what, len([]rune(t.what))), max(want, len([]rune(t.want))), max(shown, len([]rune(t.shown)))
	}
	var b strings.Builder
	b.WriteString("issue 16 targets for sessiongen (round trips: issue 7's):\n")
	for _, t := range ts {
		fmt.Fprintf(&b, "  %-*s  want %-*s  got %-*s  %s\n", what, t.what, want, t.want, shown, t.shown, t.verdict())
	}
	return b.String()
}

func (r *results) targetsMarkdown() string {
	var b strings.Builder
	b.WriteString("| target | want | measured | |\n| --- | --- | ---: | --- |\n")
	for _, t := range r.targets() {
		v := t.verdict()
		if v == "MISSED" {
			v = "**missed**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.what, t.want, t.shown, v)
	}
	return b.String()
}

// describe records the machine, the versions and the database settings.
func (r *results) describe(ctx context.Context, cfg config) error {
	r.Machine = append(r.Machine, fmt.Sprintf("CPU: %s, %d logical cores", cpuModel(), runtime.NumCPU()))
	if mem := memTotal(); mem != "" {
		r.Machine = append(r.Machine, "memory: "+mem)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		r.Machine = append(r.Machine, fmt.Sprintf("kernel: Linux %s", strings.TrimSpace(string(b))))
	}
	r.Machine = append(r.Machine, fmt.Sprintf("load average (1 min) when the run started: %.2f, when it ended: %.2f "+
		"(on 2 cores; above about 1 before the start, other processes were competing with the benchmark)", r.LoadStart, r.LoadEnd))
	r.Versions = append(r.Versions, "Go: "+runtime.Version())
	if out, err := exec.Command("git", "describe", "--always", "--dirty").Output(); err == nil {
		r.Versions = append(r.Versions, "sessiongen: commit "+strings.TrimSpace(string(out))+" (the working tree, through the replace directive)")
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			for _, p := range []string{"github.com/alexedwards/scs", "github.com/gorilla/", "github.com/wader/gormstore", "gorm.io/", "github.com/jackc/pgx", "github.com/gomodule/redigo", "github.com/redis/go-redis"} {
				if strings.HasPrefix(d.Path, p) {
					r.Versions = append(r.Versions, d.Path+" "+d.Version)
				}
			}
		}
	}
	if slices.ContainsFunc(cfg.Impls, r.usesRedis) {
		r.describeRedis(ctx)
	}
	if slices.Contains(cfg.Impls, "sessiongen-file") {
		r.Machine = append(r.Machine, fmt.Sprintf("sessiongen-file's directory: in %s, on %s (each save syncs a file and the directory)", os.TempDir(), mountOf(os.TempDir())))
	}
	conn, err := pgx.Connect(ctx, cfg.DSN)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		return err
	}
	r.Versions = append(r.Versions, "PostgreSQL: "+version)
	var settings []string
	for _, s := range []string{"shared_buffers", "synchronous_commit", "fsync", "max_connections"} {
		var v string
		if err := conn.QueryRow(ctx, "SELECT current_setting($1)", s).Scan(&v); err == nil {
			settings = append(settings, s+"="+v)
		}
	}
	r.Machine = append(r.Machine, "PostgreSQL settings: "+strings.Join(settings, ", ")+" (the server's own, untuned)")
	return nil
}

// describeRedis records the Redis server's version and the settings that
// bound its writes: persistence and eviction.
func (r *results) describeRedis(ctx context.Context) {
	rdb := redis.NewClient(&redis.Options{Addr: impl.RedisAddr(), ContextTimeoutEnabled: true})
	defer rdb.Close()
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		logf("Redis info: %v", err)
		return
	}
	_, version, _ := strings.Cut(info, "redis_version:")
	version, _, _ = strings.Cut(version, "\r\n")
	r.Versions = append(r.Versions, "Redis: "+version)
	var settings []string
	for _, name := range []string{"appendonly", "appendfsync", "save", "maxmemory", "maxmemory-policy"} {
		if v, err := rdb.ConfigGet(ctx, name).Result(); err == nil {
			settings = append(settings, fmt.Sprintf("%s=%q", name, v[name]))
		}
	}
	r.Machine = append(r.Machine, "Redis settings: "+strings.Join(settings, ", ")+" (the server's own, untuned)")
}

// mountOf returns the file system that holds path: its type and device,
// from the longest mount point of /proc/self/mounts that contains it.
func mountOf(path string) string {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return "an unknown file system"
	}
	best, desc := "", "an unknown file system"
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		dir := f[1]
		if (path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")) && len(dir) > len(best) {
			best, desc = dir, fmt.Sprintf("%s (%s, mounted on %s)", f[2], f[0], dir)
		}
	}
	return desc
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSpace(v), &kb); err == nil {
				return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	return ""
}

// markdown renders RESULTS.md.
func (r *results) markdown() string {
	c := r.cfg
	var b strings.Builder
	b.WriteString("# Benchmark results\n\n")
	b.WriteString("Written by `go run ./cmd/benchrun` (in `bench/`); do not edit by hand, run it again. ")
	b.WriteString("How the benchmark works, and what each implementation does, is in [README.md](README.md).\n\n")
	fmt.Fprintf(&b, "Run on %s, in %s.\n\n", r.Date.Format("2006-01-02 15:04 MST"), r.Elapsed.Round(time.Second))
	b.WriteString("## Machine and versions\n\n")
	for _, l := range append(slices.Clone(r.Machine), r.Versions...) {
		b.WriteString("- " + l + "\n")
	}
	b.WriteString("\n## Method\n\n")
	fmt.Fprintf(&b, "- Each implementation runs in its own `benchserver` process with a pool of %d connections to its store, "+
		"over a store of its own: a table of its own in the same PostgreSQL database, a key prefix of its own in the same Redis "+
		"(sessiongen-redis, scs-redis), or a directory of its own (sessiongen-file); each seeded with the same sessions: "+
		"%d small ones (`count`, `name`), %d large ones (50 string keys `k00`..`k49` of %d bytes: 8,000 bytes of values) and %d for `/login`.\n",
		c.Pool, c.Sessions, c.Sessions, 160, c.Sessions)
	fmt.Fprintf(&b, "- The load generator (in `benchrun`, on the same 2 cores as the servers and PostgreSQL) keeps %d HTTP/1.1 keep-alive "+
		"connections busy; each connection cycles through its own share of the sessions, so no two connections use one session. "+
		"`/login` follows the new cookie each response sets.\n", c.Workers)
	fmt.Fprintf(&b, "- %d rounds; each round runs every route of every implementation in turn (route by route, implementations alternating), "+
		"%s of unmeasured warm-up then %s measured. req/s is the median of the rounds; min–max shows their spread. "+
		"Ratios are of medians.\n", c.Rounds, c.Warmup, c.Duration)
	fmt.Fprintf(&b, "- Round trips are counted, not guessed: before the load, each implementation serves each route through a TCP proxy "+
		"that reads the PostgreSQL wire protocol and counts every Sync and simple Query message the server sends "+
		"(each is one wait for the database), over %d requests after a warm-up that lets pgx prepare its statements. "+
		"This counts gorm's statements, pool pings and prepares the same way as pgx's. "+
		"Redis round trips, marked \"Redis\", are counted in the client over the same requests: a go-redis hook counts each command "+
		"sent alone and each pipeline (sessiongen-redis; sessiongen-cached's cache), a wrapper of redigo's connection each Do or Flush "+
		"that sends something (scs-redis). sessiongen-file makes none.\n", c.CountRequests)
	b.WriteString("- CPU µs/req is the CPU time (user + system, from /proc) used during the measured window, divided by its requests, " +
		"of the implementation's server process, of its store (db: the PostgreSQL backends connected to the benchmark database, " +
		"plus, for an implementation over Redis, the whole Redis server, from INFO cpu; sessiongen-file's file work is in its server's system time, but for the kernel's journal threads), " +
		"and of the load generator; median of the rounds. PostgreSQL's background processes (WAL writer, checkpointer, autovacuum) are not counted. " +
		"With the 2 cores shared by all of them, the sum is what bounds req/s.\n")
	b.WriteString("- × bare is against `bare`, the hand-written PostgreSQL floor, on every row. × scs is against scs over the same kind of store: " +
		"scs-redis for sessiongen-redis (and scs-redis itself), scs over pgxstore for the others (scs has no file store).\n")
	b.WriteString("- Latency is each successful request's in the measured window, from writing it to reading the whole response, " +
		"counted by each connection in a histogram of fixed buckets (each at most 1/32 of its values wide: p50 and p99 are " +
		"the upper bound of their bucket, at most 3.2% high; max is exact). The connections are closed-loop, each sending its next " +
		"request when the last is answered, so this is the latency at the load they make, not at a fixed arrival rate. " +
		"p50, p99 and max are each the median of the rounds.\n")
	b.WriteString("\n## Results\n\n![requests per second by route and implementation](results.svg)\n\n")
	b.WriteString(r.markdownTable())
	b.WriteString("\n### Issue 16's targets for sessiongen\n\n")
	fmt.Fprintf(&b, "Issue 16's targets, with issue 7's round trips per request kept. `%s` is `/write` through the generated "+
		"`UpdateCount` accessor, a compare-and-set of `count`, which only sessiongen serves: its round trips are counted like the "+
		"routes' but it is not loaded. No request conflicts there (each connection has its sessions to itself), so it shows "+
		"what the accessor costs without a conflict; `TestUpdateCostsNoExtraRoundTrip` in `runtime/` checks the same "+
		"against each store.\n\n", updateRoute)
	b.WriteString(r.targetsMarkdown())
	b.WriteString("\n### Every round\n\n| route | impl | req/s per round |\n| --- | --- | --- |\n")
	for _, route := range c.Routes {
		for _, name := range c.Impls {
			var vs []string
			for _, v := range r.rps[name][route] {
				vs = append(vs, fmt.Sprintf("%.0f", v))
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", route, name, strings.Join(vs, ", "))
		}
	}
	if n := r.errors(); n > 0 {
		b.WriteString("\n### Errors\n\n")
		for _, name := range c.Impls {
			for _, route := range c.Routes {
				if e := r.errs[name][route]; e > 0 {
					fmt.Fprintf(&b, "- %s %s: %d, first: %s\n", name, route, e, r.firstErr[name][route])
				}
			}
		}
	}
	for _, section := range []string{r.Changes, r.Idle} {
		if section != "" {
			b.WriteString("\n")
			b.WriteString(section)
		}
	}
	if r.Micro != "" {
		b.WriteString("\n## Micro-benchmarks\n\n")
		b.WriteString("The middleware and the generated accessors over memstore, with no database: ")
		b.WriteString("`go test -run '^$' -bench Middleware -benchmem ./runtime/` at the root, which calls runtime.Get and runtime.Set as the generated accessors do, " +
			"and `go test -run '^$' -bench Accessors -benchmem ./session/` here, through the generated accessors " +
			"(their `untouched` handler calls `session.From`, which allocates the typed wrapper). " +
			"ns/op varies with the machine's load; allocs/op does not.\n\n```\n")
		b.WriteString(r.Micro)
		b.WriteString("```\n")
	}
	return b.String()
}
