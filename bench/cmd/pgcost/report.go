package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// report is what a run measured, and where.
type report struct {
	cfg                config
	started            time.Time
	elapsed            time.Duration
	loadStart, loadEnd float64
	where              string
	pgInfo             serverInfo
	cases              []*pgCase
	profiles           []*routeProfile
	micro              string
}

// stat is the median of a figure over the rounds, and its spread.
type stat struct{ med, lo, hi float64 }

func statOf(vs []float64) stat {
	if len(vs) == 0 {
		return stat{math.NaN(), math.NaN(), math.NaN()}
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{m, s[0], s[len(s)-1]}
}

// each returns the statistic of one figure of c's samples.
func (c *pgCase) each(f func(pgSample) float64) stat {
	vs := make([]float64, len(c.samples))
	for i, s := range c.samples {
		vs[i] = f(s)
	}
	return statOf(vs)
}

// cost is the figure "what this says" compares: the backends' CPU time
// per execution when it was measured, else the execution time.
func (c *pgCase) cost() stat {
	if len(c.samples) > 0 && c.samples[0].cpuUS >= 0 {
		return c.each(func(s pgSample) float64 { return s.cpuUS })
	}
	return c.each(func(s pgSample) float64 { return s.execUS })
}

// hotRatio returns the share of c's updates that were HOT, over all
// rounds, or -1 when it updated nothing.
func (c *pgCase) hotRatio() float64 {
	var upd, hot float64
	for _, s := range c.samples {
		upd += s.updates
		hot += s.hotUpdates
	}
	if upd == 0 {
		return -1
	}
	return hot / upd
}

// spread formats s as "median (min–max)", or the median alone after one
// round.
func (s stat) spread(format string) string {
	if math.IsNaN(s.med) {
		return "—"
	}
	m, lo, hi := fmt.Sprintf(format, s.med), fmt.Sprintf(format, s.lo), fmt.Sprintf(format, s.hi)
	if lo == hi {
		return m
	}
	return fmt.Sprintf("%s (%s–%s)", m, lo, hi)
}

// pgTable is the PostgreSQL table, in markdown.
func (r *report) pgTable() string {
	var b strings.Builder
	b.WriteString("| form | size | exec µs/call | plan µs/call | backend CPU µs/exec | shared hit | read | dirtied | written | WAL records | WAL FPI | WAL bytes (statement) | WAL bytes (server) | HOT | index B/exec |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, c := range r.cases {
		cpu := "—"
		if len(c.samples) > 0 && c.samples[0].cpuUS >= 0 {
			cpu = c.each(func(s pgSample) float64 { return s.cpuUS }).spread("%.1f")
		}
		hot := "—"
		if h := c.hotRatio(); h >= 0 {
			hot = fmt.Sprintf("%.0f%%", 100*h)
		}
		med := func(f func(pgSample) float64, format string) string { return fmt.Sprintf(format, c.each(f).med) }
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			c.form.id, c.size.name,
			c.each(func(s pgSample) float64 { return s.execUS }).spread("%.1f"),
			med(func(s pgSample) float64 { return s.planUS }, "%.1f"),
			cpu,
			med(func(s pgSample) float64 { return s.hit }, "%.1f"),
			med(func(s pgSample) float64 { return s.read }, "%.2f"),
			med(func(s pgSample) float64 { return s.dirtied }, "%.2f"),
			med(func(s pgSample) float64 { return s.written }, "%.2f"),
			med(func(s pgSample) float64 { return s.walRecords }, "%.2f"),
			med(func(s pgSample) float64 { return s.walFPI }, "%.3f"),
			c.each(func(s pgSample) float64 { return s.walBytes }).spread("%.0f"),
			c.each(func(s pgSample) float64 { return s.allWALBytes }).spread("%.0f"),
			hot,
			med(func(s pgSample) float64 { return s.indexGrowth }, "%.1f"))
	}
	return b.String()
}

// formList names the forms.
func (r *report) formList() string {
	var b strings.Builder
	for _, f := range forms {
		fmt.Fprintf(&b, "- **%s** %s\n", f.id, f.title)
	}
	return b.String()
}

// serverTable is the server side's table, in markdown.
func (r *report) serverTable() string {
	var b strings.Builder
	b.WriteString("| route | impl | req/s | server CPU µs/req | PostgreSQL CPU µs/req | profiled CPU µs/req | allocs/req (profile) | B/req (profile) | allocs/op (go test) | B/op (go test) |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, p := range r.profiles {
		col := func(f func(serverSample) float64, format string) string {
			vs := make([]float64, len(p.rounds))
			for i, s := range p.rounds {
				vs[i] = f(s)
			}
			return statOf(vs).spread(format)
		}
		allocs, bytes := "—", "—"
		if p.micro != nil {
			allocs, bytes = fmt.Sprintf("%.0f", p.micro.allocsPerOp), fmt.Sprintf("%.0f", p.micro.bytesPerOp)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.0f | %.0f | %.0f | %s | %s |\n", p.route, p.impl,
			col(func(s serverSample) float64 { return s.perSecond }, "%.0f"),
			col(func(s serverSample) float64 { return s.serverUS }, "%.0f"),
			col(func(s serverSample) float64 { return s.dbUS }, "%.0f"),
			p.cpuTotalUS, p.allocsPerReq, p.bytesReq, allocs, bytes)
	}
	return b.String()
}

// topTables lists, for each profiled sessiongen route, the functions
// that take the most CPU and allocate the most, per request.
func (r *report) topTables() string {
	var b strings.Builder
	for _, p := range r.profiles {
		if p.impl != "sessiongen" {
			continue
		}
		served := float64(p.served)
		fmt.Fprintf(&b, "\n#### %s %s: by package, each function's own cost (flat) summed\n\n", p.impl, p.route)
		b.WriteString("| package | CPU µs/req | CPU | allocs/req | B/req |\n| --- | ---: | ---: | ---: | ---: |\n")
		for _, c := range p.packages[:min(12, len(p.packages))] {
			fmt.Fprintf(&b, "| `%s` | %.1f | %.1f%% | %.2f | %.0f |\n", c.name, c.cpu*1e6/served, 100*c.cpuShare, c.objects/served, c.bytes/served)
		}
		if len(p.runtimeCum) == len(runtimeParts) {
			var parts []string
			for i, part := range runtimeParts {
				parts = append(parts, fmt.Sprintf("%s (`%s`) %.1f µs/req", part.what, part.name, p.runtimeCum[i]*1e6/served))
			}
			fmt.Fprintf(&b, "\nWith what they call (cum, overlapping): %s.\n", strings.Join(parts, ", "))
		}
		fmt.Fprintf(&b, "\n#### %s %s: CPU, by function's own time (flat)\n\n", p.impl, p.route)
		b.WriteString("| function | flat µs/req | flat | cum |\n| --- | ---: | ---: | ---: |\n")
		for _, row := range p.cpuTop {
			fmt.Fprintf(&b, "| `%s` | %.1f | %.1f%% | %.1f%% |\n", row.name, row.flat*1e6/served, row.flatPct, row.cumPct)
		}
		fmt.Fprintf(&b, "\n#### %s %s: CPU of the runtime's functions, with what they call (cum)\n\n", p.impl, p.route)
		b.WriteString("| function | cum µs/req | cum |\n| --- | ---: | ---: |\n")
		for _, row := range p.ownTop {
			fmt.Fprintf(&b, "| `%s` | %.1f | %.1f%% |\n", row.name, row.cum*1e6/served, row.cumPct)
		}
		fmt.Fprintf(&b, "\n#### %s %s: allocations, by function (flat)\n\n", p.impl, p.route)
		b.WriteString("| function | allocs/req | B/req | share of allocs |\n| --- | ---: | ---: | ---: |\n")
		for _, row := range p.allocTop {
			fmt.Fprintf(&b, "| `%s` | %.2f | %.0f | %.1f%% |\n", row.name, row.flat/served, row.bytes/served, row.flatPct)
		}
	}
	return b.String()
}

// text is what pgcost prints: the two tables.
func (r *report) text() string {
	s := "\n" + r.pgTable()
	if len(r.profiles) > 0 {
		s += "\n" + r.serverTable()
	}
	return s + "\n" + r.says() + "\n"
}

// markdown is PROFILE.md.
func (r *report) markdown() string {
	var b strings.Builder
	b.WriteString("# Where the time goes: PostgreSQL and the server, per statement and per request\n\n")
	b.WriteString("Written by `go run ./cmd/pgcost` (in `bench/`; issue 16, deliverable 1); do not edit by hand, run it again. ")
	b.WriteString("`go run ./cmd/pgcost -quick` is a smoke run that writes nothing unless `-out` is given.\n\n")
	fmt.Fprintf(&b, "Run on %s, in %s.\n\n", r.started.UTC().Format("2006-01-02 15:04 UTC"), r.elapsed.Round(time.Second))
	b.WriteString("## Machine and versions\n\n")
	for _, line := range r.machine() {
		b.WriteString("- " + line + "\n")
	}
	b.WriteString("\n## Method\n\n")
	b.WriteString(r.method())
	b.WriteString("\n## PostgreSQL: each statement form, per execution\n\n")
	b.WriteString(r.formList())
	b.WriteString("\n")
	b.WriteString(r.pgTable())
	b.WriteString("\nexec and plan: pg_stat_statements' total_exec_time and total_plan_time over calls (mean_exec_time is the same figure). " +
		"exec is wall time inside the executor, so on a loaded machine it includes waiting for a core and can exceed the CPU figure. " +
		"backend CPU: the time on a core of the connections' backends (/proc/PID/schedstat), over the executions: exec's work plus the protocol, planning, the commit and its WAL flush. " +
		"Blocks, WAL records, full-page images (FPI) and WAL bytes (statement): pg_stat_statements per call. WAL bytes (server): pg_stat_wal's growth over the executions, commit records included. " +
		"HOT: n_tup_hot_upd over n_tup_upd (pg_stat_user_tables). index B/exec: growth of the table's indexes (pg_relation_size) over the executions. " +
		"Medians of the rounds; (min–max) is their spread.\n")
	if len(r.profiles) > 0 {
		b.WriteString("\n## The server: CPU and allocations per request\n\n")
		b.WriteString(r.serverTable())
		fmt.Fprintf(&b, "\nserver and PostgreSQL CPU: /proc over the measured requests (medians of the rounds, spread in brackets). "+
			"profiled CPU and allocs, B/req (profile): the CPU and allocation profiles' totals over every request the profiled servers answered, warm-ups included, all rounds merged; "+
			"allocations are sampled (`-memprofilerate %d`), so these are estimates, and they include the server's start; the CPU profile includes the stack walks of that sampling. "+
			"allocs/op, B/op (go test): `BenchmarkRoutes`, exact, of the handler alone, served in process without net/http's server (its connection, its request parsing).\n", memProfileRate)
		b.WriteString(r.topTables())
		if r.micro != "" {
			b.WriteString("\n### Micro-benchmarks\n\n```\n" + r.micro + "```\n")
		}
	}
	b.WriteString("\n## What this says\n\n")
	b.WriteString(r.says())
	b.WriteString("\n## The statements and their plans\n\n")
	b.WriteString("Each form's statement as measured (the table name is the form's own), and `EXPLAIN (ANALYZE, BUFFERS, WAL)` of one execution, in a transaction rolled back.\n")
	for _, c := range r.cases {
		if c.size.name == sizes[0].name {
			name := strings.TrimPrefix(c.table, schema+".")
			fmt.Fprintf(&b, "\n### %s %s\n\n```sql\n%s\n```\n\nIts table:\n\n```sql\n%s\n```\n",
				c.form.id, c.form.title, strings.TrimSpace(c.sql), strings.TrimSpace(on(c.form.table.ddl, name)))
		}
		fmt.Fprintf(&b, "\n<details><summary>%s, %s session: plan</summary>\n\n```\n%s\n```\n\n</details>\n", c.form.id, c.size.name, c.plan)
	}
	return b.String()
}

func (r *report) machine() []string {
	lines := []string{
		fmt.Sprintf("CPU: %s, %d logical cores", cpuModel(), runtime.NumCPU()),
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		lines = append(lines, "kernel: Linux "+strings.TrimSpace(string(b)))
	}
	lines = append(lines,
		fmt.Sprintf("load average (1 min) when the run started: %.2f, when it ended: %.2f (on %d cores; above about 1, other processes were competing with the run)",
			r.loadStart, r.loadEnd, runtime.NumCPU()),
		"PostgreSQL: "+r.pgInfo.version,
		"PostgreSQL server: "+r.where,
		"PostgreSQL settings: "+strings.Join(r.pgInfo.settings, ", "),
		"Go: "+runtime.Version(),
	)
	cmd := exec.Command("git", "describe", "--always", "--dirty")
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0") // read the tree, never write the index
	if out, err := cmd.Output(); err == nil {
		lines = append(lines, "sessiongen: commit "+strings.TrimSpace(string(out))+" (the working tree, through the replace directive, for the server side)")
	}
	lines = append(lines, "forms \"at HEAD\": schema/001_sessions.sql and queries/sessions.sql as of commit "+baseCommit)
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/jackc/pgx/v5" {
				lines = append(lines, d.Path+" "+d.Version)
			}
		}
	}
	return lines
}

func (r *report) method() string {
	c := r.cfg
	var b strings.Builder
	fmt.Fprintf(&b, "- PostgreSQL: every form has a table of its own in schema `%s`, created with the form's DDL (below; autovacuum off on it) "+
		"and seeded with %d sessions: small ones (`{\"count\":0,\"name\":\"alice\"}`) or large ones (50 keys `k00`..`k49` of 160-byte strings, about 8.5 KiB of JSON), "+
		"under the SHA-256 of a token, expiring in two weeks.\n", schema, c.Sessions)
	fmt.Fprintf(&b, "- %d connections (pgx, statements prepared as sessiongen's pool prepares them) each run every form on its own share of the sessions, so no two wait for one row; "+
		"a save sets `count` (small) or `k00` (large) to a new value, as `/write` and `/write-large` do, and must update exactly one row (a versioned one passes the version it last wrote).\n", c.Conns)
	fmt.Fprintf(&b, "- Rounds: %d; in each, every form runs in turn: %d unmeasured executions per connection, `VACUUM` of its table, `CHECKPOINT` "+
		"(so full-page images count alike: those of the first write to each page after a checkpoint), `pg_stat_statements_reset()`, then %d measured executions over all connections. "+
		"No figure is timed against a limit; the run fails only if a statement fails or writes or reads other than one row.\n", c.Rounds, warmupPerConn, c.Execs-c.Execs%c.Conns)
	b.WriteString("- The statement's figures are read from pg_stat_statements by its query identifier (from `EXPLAIN VERBOSE`); the backends flush their statistics (`pg_stat_force_next_flush()`) before the table counters and pg_stat_wal are read.\n")
	if c.Server {
		fmt.Fprintf(&b, "- The server: for each route and implementation (%s), in each round, a new `benchserver -cpuprofile FILE -memprofile FILE -memprofilerate %d` over %d sessions seeded through the implementation, "+
			"%d unmeasured requests then %d measured from %d keep-alive connections (bench/internal/loadgen, in pgcost's process); "+
			"`go tool pprof -top` summarises the profiles.\n",
			strings.Join(c.ServerImpls, ", "), memProfileRate, c.Sessions, c.ServerWarmup, c.ServerRequests, c.ServerWorkers)
	}
	b.WriteString("- The machine's cores are shared by PostgreSQL, pgcost and, often, other work: read a difference smaller than the spread of its figures as noise.\n")
	return b.String()
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
