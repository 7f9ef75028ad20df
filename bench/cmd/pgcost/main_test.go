package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQuick runs pgcost -quick, smaller still, against a throwaway cluster
// and checks what it measured: every form executed, saves wrote WAL and
// updated a row each, loads wrote nothing, the HOT-eligible form's updates
// were HOT and the others' not, and both sides reached PROFILE.md. The
// server measures 3000 requests a route: a CPU profile samples every 10ms,
// and 300 reads, about 20ms of CPU, could end with no sample at all.
func TestQuick(t *testing.T) {
	if _, err := os.Stat(filepath.Join(DefaultPGBin, "initdb")); err != nil {
		msg := "PostgreSQL 15's initdb is not in " + DefaultPGBin + ": install it (apt-get install postgresql-15) to run this test"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out := filepath.Join(t.TempDir(), "PROFILE.md")
	cfg, err := parseFlags([]string{"-quick", "-out", out, "-sessions", "16", "-conns", "2", "-execs", "16",
		"-server-requests", "3000", "-server-warmup", "50", "-server-workers", "4"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rep.cases), len(forms)*len(sizes); got != want {
		t.Fatalf("%d cases measured, want %d", got, want)
	}
	for _, c := range rep.cases {
		if len(c.samples) != 1 {
			t.Errorf("%s: %d samples, want 1", c.name(), len(c.samples))
			continue
		}
		s := c.samples[0]
		if s.execUS <= 0 {
			t.Errorf("%s: execution time %.1f µs", c.name(), s.execUS)
		}
		if c.form.write {
			if s.walBytes <= 0 || s.updates != 1 {
				t.Errorf("%s: a save wrote %.0f WAL bytes and updated %.2f rows, want some and 1", c.name(), s.walBytes, s.updates)
			}
		} else if s.walRecords != 0 || s.updates != 0 {
			t.Errorf("%s: a load wrote %.2f WAL records and updated %.2f rows", c.name(), s.walRecords, s.updates)
		}
		if !strings.Contains(c.plan, "Execution Time") {
			t.Errorf("%s: no EXPLAIN ANALYZE plan: %q", c.name(), c.plan)
		}
	}
	for _, size := range sizes {
		if h := rep.find("5b", size.name).hotRatio(); h < 0.5 {
			t.Errorf("5b %s: %.0f%% of updates HOT, want most", size.name, 100*h)
		}
		if h := rep.find("4a", size.name).hotRatio(); h != 0 {
			t.Errorf("4a %s: %.0f%% of updates HOT, want none: it moves expires_at, which is indexed", size.name, 100*h)
		}
	}
	if len(rep.profiles) != len(serverRoutes)*len(cfg.ServerImpls) {
		t.Fatalf("%d server profiles, want %d", len(rep.profiles), len(serverRoutes)*len(cfg.ServerImpls))
	}
	for _, p := range rep.profiles {
		if len(p.rounds) != 1 || p.allocsPerReq <= 0 || p.cpuTotalUS <= 0 || len(p.allocTop) == 0 {
			t.Errorf("%s %s: %d rounds, %.1f allocs/req, %.1f CPU µs/req, %d top allocators", p.impl, p.route,
				len(p.rounds), p.allocsPerReq, p.cpuTotalUS, len(p.allocTop))
		}
	}
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 2a | small |", "| 7 | large |", "## The server", "| /write | sessiongen |", "## What this says", "Execution Time"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("PROFILE.md lacks %q", want)
		}
	}
}

func TestParsePprofTop(t *testing.T) {
	const out = `File: benchserver
Type: cpu
Duration: 12.3s, Total samples = 5.10s (41.46%)
Showing nodes accounting for 2.55s, 50.00% of 5.10s total
Dropped 310 nodes (cum <= 0.03s)
      flat  flat%   sum%        cum   cum%
     1.20s 23.53% 23.53%      1.20s 23.53%  internal/runtime/syscall/linux.Syscall6
      30ms  0.59% 24.12%      1.50s 29.41%  github.com/sessiongen/sessiongen/runtime.(*Manager).Middleware.func1
`
	got, err := parsePprofTop(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.total != 5.1 || len(got.rows) != 2 {
		t.Fatalf("total %v, %d rows; want 5.1, 2", got.total, len(got.rows))
	}
	r := got.rows[1]
	if r.name != "github.com/sessiongen/sessiongen/runtime.(*Manager).Middleware.func1" || r.flat != 0.03 || r.cum != 1.5 || r.cumPct != 29.41 {
		t.Errorf("row 2 = %+v", r)
	}
	for in, want := range map[string]float64{"512.02kB": 512.02 * 1024, "1.50MB": 1.5 * (1 << 20), "65541": 65541, "20us": 20e-6, "1.5e+06": 1.5e6} {
		if v, err := pprofValue(in); err != nil || math.Abs(v-want) > 1e-9*want {
			t.Errorf("pprofValue(%q) = %v, %v; want %v", in, v, err, want)
		}
	}
	if _, err := parsePprofTop("no profile here"); err == nil {
		t.Error("parsePprofTop of output without a total: no error")
	}
}

func TestPackageOf(t *testing.T) {
	for fn, want := range map[string]string{
		"runtime.mallocgc":                                                       "runtime",
		"internal/runtime/syscall/linux.Syscall6":                                "internal/runtime/syscall/linux",
		"github.com/jackc/pgx/v5/pgtype.(*Map).Encode":                           "github.com/jackc/pgx/v5/pgtype",
		"github.com/sessiongen/sessiongen/runtime.Get[go.shape.string] (inline)": "github.com/sessiongen/sessiongen/runtime",
		"slices.SortFunc[go.shape.[]github.com/x/y.T,go.shape.struct { a int }]": "slices",
		"net/http.(*conn).serve.func1":                                           "net/http",
	} {
		if got := packageOf(fn); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", fn, got, want)
		}
	}
}
