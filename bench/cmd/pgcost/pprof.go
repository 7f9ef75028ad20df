package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// A pprofRow is one line of go tool pprof -top: a function's own (flat)
// and cumulative value, in seconds for a CPU profile, in objects or bytes
// for an allocation profile.
type pprofRow struct {
	name            string
	flat, cum       float64
	flatPct, cumPct float64
	bytes           float64 // for an alloc_objects row: the function's alloc_space
}

// A pprofTable is the output of go tool pprof -top.
type pprofTable struct {
	total float64 // the profile's total, in the rows' unit
	rows  []pprofRow
}

// flat returns the flat value of the function called name, or 0.
func (t pprofTable) flat(name string) float64 {
	for _, r := range t.rows {
		if r.name == name {
			return r.flat
		}
	}
	return 0
}

// cum returns the cumulative value of the function called name, or 0.
func (t pprofTable) cum(name string) float64 {
	for _, r := range t.rows {
		if r.name == name {
			return r.cum
		}
	}
	return 0
}

// pprofCommand returns how to run pprof: its binary, which go tool -n
// names (a call of go tool costs half a second more), or go tool pprof.
var pprofCommand = sync.OnceValue(func() []string {
	out, err := exec.Command("go", "tool", "-n", "pprof").Output()
	if path := strings.TrimSpace(string(out)); err == nil && path != "" {
		if _, err := os.Stat(path); err == nil {
			return []string{path}
		}
	}
	return []string{"go", "tool", "pprof"}
})

// pprofTop runs go tool pprof -top over files, merged, with the extra
// options, and parses its output.
func pprofTop(ctx context.Context, files []string, options ...string) (pprofTable, error) {
	cmd := pprofCommand()
	args := append(append(append(cmd[1:len(cmd):len(cmd)], "-top"), options...), files...)
	out, err := exec.CommandContext(ctx, cmd[0], args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		return pprofTable{}, fmt.Errorf("pgcost: pprof %s: %w\n%s", strings.Join(args, " "), err, msg)
	}
	t, err := parsePprofTop(string(out))
	if err != nil {
		return t, fmt.Errorf("pgcost: pprof %s: %w", strings.Join(args, " "), err)
	}
	return t, nil
}

// totalLine is pprof's "Showing nodes accounting for 1.20s, 45.60% of
// 2.63s total".
var totalLine = regexp.MustCompile(`of (\S+) total`)

// parsePprofTop parses the output of go tool pprof -top.
func parsePprofTop(out string) (pprofTable, error) {
	var t pprofTable
	found := false
	for _, line := range strings.Split(out, "\n") {
		if m := totalLine.FindStringSubmatch(line); m != nil && !found {
			v, err := pprofValue(m[1])
			if err != nil {
				return t, fmt.Errorf("total %q: %w", m[1], err)
			}
			t.total, found = v, true
			continue
		}
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasSuffix(f[1], "%") || !strings.HasSuffix(f[4], "%") {
			continue
		}
		var r pprofRow
		var err error
		if r.flat, err = pprofValue(f[0]); err != nil {
			continue // the header line
		}
		if r.cum, err = pprofValue(f[3]); err != nil {
			continue
		}
		r.flatPct, _ = strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		r.cumPct, _ = strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		r.name = strings.Join(f[5:], " ")
		t.rows = append(t.rows, r)
	}
	if !found {
		return t, fmt.Errorf("no total in the output:\n%.500s", out)
	}
	return t, nil
}

// pprofUnits are the suffixes pprof prints, in seconds or bytes.
var pprofUnits = []struct {
	suffix string
	scale  float64
}{
	{"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3}, {"hrs", 3600}, {"mins", 60}, {"s", 1},
	{"kB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"TB", 1 << 40}, {"B", 1},
}

// pprofValue parses a value as pprof prints it: 1.20s, 30ms, 512.02kB,
// 1.50MB, 65541.
func pprofValue(s string) (float64, error) {
	for _, u := range pprofUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, err
			}
			return v * u.scale, nil
		}
	}
	return strconv.ParseFloat(s, 64)
}

// microBenchmarks runs bench/impl's BenchmarkRoutes, for the profiled
// routes, against dsn, and bench/session's BenchmarkAccessors, with fixed
// iteration counts, and returns their result lines.
func microBenchmarks(ctx context.Context, dsn string) string {
	logf("running the micro-benchmarks")
	var b strings.Builder
	for _, args := range [][]string{
		{"test", "-run", "^$", "-bench", "^BenchmarkRoutes$/^(sessiongen|bare)$/^(read|write)$", "-benchmem", "-benchtime", "3000x",
			"github.com/sessiongen/sessiongen/bench/impl"},
		{"test", "-run", "^$", "-bench", "^BenchmarkAccessors$", "-benchmem", "-benchtime", "20000x",
			"github.com/sessiongen/sessiongen/bench/session"},
	} {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Env = append(os.Environ(), "BENCH_DATABASE_URL="+dsn)
		out, err := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "pkg:") {
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

// A benchLine is the figures of one benchmark.
type benchLine struct {
	nsPerOp, bytesPerOp, allocsPerOp float64
}

// findBench returns BenchmarkRoutes' line for impl's route in out, or nil.
func findBench(out, impl, route string) *benchLine {
	prefix := "BenchmarkRoutes/" + impl + "/" + strings.TrimPrefix(route, "/") + "-"
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		f := strings.Fields(line)
		var b benchLine
		for i := 1; i+1 < len(f); i++ {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				b.nsPerOp = v
			case "B/op":
				b.bytesPerOp = v
			case "allocs/op":
				b.allocsPerOp = v
			}
		}
		return &b
	}
	return nil
}
