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

	"github.com/sessiongen/sessiongen/bench/internal/loadgen"
)

// results collects the measurements of a run.
type results struct {
	cfg      config
	rps      map[string]map[string][]float64 // impl → route → per round
	errs     map[string]map[string]int64
	firstErr map[string]map[string]string
	trips    map[string]map[string]float64
	cpu      map[string]map[string][]cpuPerRequest

	Elapsed  time.Duration
	Date     time.Time
	Machine  []string // "key: value" lines
	Versions []string
	Micro    string // micro-benchmark output, if run

	LoadStart, LoadEnd float64 // 1-minute load averages
}

func newResults(cfg config) *results {
	r := &results{
		cfg: cfg, Date: time.Now().UTC(),
		rps:      map[string]map[string][]float64{},
		errs:     map[string]map[string]int64{},
		firstErr: map[string]map[string]string{},
		trips:    map[string]map[string]float64{},
		cpu:      map[string]map[string][]cpuPerRequest{},
	}
	for _, name := range cfg.Impls {
		r.rps[name] = map[string][]float64{}
		r.errs[name] = map[string]int64{}
		r.firstErr[name] = map[string]string{}
		r.trips[name] = map[string]float64{}
		r.cpu[name] = map[string][]cpuPerRequest{}
	}
	return r
}

func (r *results) add(name, route string, res loadgen.Result) {
	r.rps[name][route] = append(r.rps[name][route], res.PerSecond())
	r.errs[name][route] += res.Errors
	if res.FirstError != "" && r.firstErr[name][route] == "" {
		r.firstErr[name][route] = res.FirstError
	}
}

func (r *results) addCPU(name, route string, c cpuPerRequest) {
	r.cpu[name][route] = append(r.cpu[name][route], c)
}

// cpuMedian returns the median CPU µs per request of the server, the
// database backends and the load generator, as a string "a / b / c".
func (r *results) cpuMedian(name, route string) string {
	cs := r.cpu[name][route]
	if len(cs) == 0 {
		return "–"
	}
	var sv, db, ld []float64
	for _, c := range cs {
		sv = append(sv, float64(c.server)/1e3)
		db = append(db, float64(c.db)/1e3)
		ld = append(ld, float64(c.loader)/1e3)
	}
	return fmt.Sprintf("%.0f / %.0f / %.0f", median(sv), median(db), median(ld))
}

func (r *results) setTrips(name, route string, v float64) { r.trips[name][route] = v }

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

func fmtRPS(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.0f", v)
}

// rows returns the table's header and rows.
func (r *results) rows() ([]string, [][]string) {
	head := []string{"route", "impl", "req/s (median)", "min–max", "× bare", "× scs", "round trips/req", "CPU µs/req server / db / loader", "errors"}
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
				fmtRatio(r.ratio(name, "bare", route)), fmtRatio(r.ratio(name, "scs", route)),
				fmtTrips(r.trip(name, route)), r.cpuMedian(name, route), fmt.Sprint(r.errs[name][route]),
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

// target is one of issue 7's targets for sessiongen.
type target struct {
	what     string
	want     string
	got      float64
	ok       bool
	measured bool
}

func (r *results) targets() []target {
	var ts []target
	has := func(name string) bool { return slices.Contains(r.cfg.Impls, name) }
	if !has("sessiongen") {
		return nil
	}
	tripWant := map[string]float64{"/nosession": 0, "/read": 1, "/read-large": 1, "/write": 2, "/write-large": 2}
	for _, route := range r.cfg.Routes {
		want, ok := tripWant[route]
		if !ok {
			continue
		}
		got := r.trip("sessiongen", route)
		cmp := "≤"
		if want < 2 {
			cmp = "="
		}
		// Counts are averages: allow a stray pool ping or statement prepare.
		met := got <= want+0.05 && (cmp == "≤" || got >= want-0.05)
		ts = append(ts, target{what: "round trips/req " + route, want: fmt.Sprintf("%s %.0f", cmp, want), got: got, ok: met, measured: !math.IsNaN(got)})
	}
	bareWant := map[string]float64{"/nosession": 0.9, "/read": 0.9, "/write": 0.9, "/read-large": 1.0, "/write-large": 1.0}
	if has("bare") {
		for _, route := range r.cfg.Routes {
			want, ok := bareWant[route]
			if !ok {
				continue
			}
			got := r.ratio("sessiongen", "bare", route)
			ts = append(ts, target{what: "req/s vs bare " + route, want: fmt.Sprintf("≥ %.1f×", want), got: got, ok: got >= want, measured: !math.IsNaN(got)})
		}
	}
	if allocs, ok := microAllocs(r.Micro, "BenchmarkMiddleware/untouched/cookie"); ok {
		ts = append(ts, target{what: "middleware allocs/req, untouched", want: "≤ 4", got: allocs, ok: allocs <= 4, measured: true})
	}
	if has("scs") {
		for _, route := range r.cfg.Routes {
			got := r.ratio("sessiongen", "scs", route)
			ts = append(ts, target{what: "req/s vs scs " + route, want: "≥ 1.3×", got: got, ok: got >= 1.3, measured: !math.IsNaN(got)})
		}
	}
	return ts
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

func (t target) gotString() string {
	if strings.HasPrefix(t.what, "round trips") {
		return fmtTrips(t.got)
	}
	if strings.HasPrefix(t.what, "middleware allocs") {
		return fmt.Sprintf("%.0f", t.got)
	}
	return fmtRatio(t.got)
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
	var b strings.Builder
	b.WriteString("issue 7 targets for sessiongen:\n")
	for _, t := range r.targets() {
		fmt.Fprintf(&b, "  %-30s want %-8s got %-8s %s\n", t.what, t.want, t.gotString(), t.verdict())
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
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.what, t.want, t.gotString(), v)
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
			for _, p := range []string{"github.com/alexedwards/scs", "github.com/gorilla/", "github.com/wader/gormstore", "gorm.io/", "github.com/jackc/pgx"} {
				if strings.HasPrefix(d.Path, p) {
					r.Versions = append(r.Versions, d.Path+" "+d.Version)
				}
			}
		}
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
	fmt.Fprintf(&b, "- Each implementation runs in its own `benchserver` process with a pool of %d database connections, "+
		"against the same PostgreSQL database, in a table of its own, seeded with the same sessions: "+
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
		"This counts gorm's statements, pool pings and prepares the same way as pgx's.\n", c.CountRequests)
	b.WriteString("- CPU µs/req is the CPU time (user + system, from /proc) used during the measured window, divided by its requests, " +
		"of the implementation's server process, of the PostgreSQL backends connected to the benchmark database, and of the load generator; " +
		"median of the rounds. PostgreSQL's background processes (WAL writer, checkpointer, autovacuum) are not counted. " +
		"With the 2 cores shared by all three, the sum is what bounds req/s.\n")
	b.WriteString("\n## Results\n\n![requests per second by route and implementation](results.svg)\n\n")
	b.WriteString(r.markdownTable())
	b.WriteString("\n### Issue 7's targets for sessiongen\n\n")
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
