package main

import (
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/bench/internal/loadgen"
)

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// changesFixture is a table of changes as CHANGES.md holds it.
const changesFixture = "## The changes of issue 16\n\n| change | measured alone | kept? |\n| --- | --- | --- |\n| bytea | −60 µs | yes |\n"

// madeUp returns a run of made-up figures over /nosession, /read and
// /write, two rounds each: sessiongen at 0.9× bare and 3× scs, its p99
// below scs's, and its PostgreSQL CPU per /write above scs's.
func madeUp() *results {
	cfg := config{Impls: []string{"sessiongen", "scs", "bare"}, Routes: []string{"/nosession", "/read", "/write"}, Rounds: 2, Workers: 4, Pool: 2}
	r := newResults(cfg)
	rps := map[string]float64{"sessiongen": 9000, "scs": 3000, "bare": 10000}
	slow := map[string]time.Duration{"sessiongen": 5 * time.Millisecond, "scs": 8 * time.Millisecond, "bare": 4 * time.Millisecond}
	db := map[string]time.Duration{"sessiongen": 250 * time.Microsecond, "scs": 200 * time.Microsecond, "bare": 150 * time.Microsecond}
	for _, name := range cfg.Impls {
		for _, route := range cfg.Routes {
			for _, f := range []float64{0.9, 1.1} {
				var h loadgen.Histogram
				for range 98 {
					h.Record(time.Millisecond)
				}
				h.Record(slow[name])
				h.Record(slow[name] * 2)
				r.add(name, route, loadgen.Result{Requests: int64(rps[name] * f), Elapsed: time.Second, Latency: &h})
			}
			r.setTrips(name, route, 1)
			r.addCPU(name, route, cpuPerRequest{server: 30 * time.Microsecond, db: db[name], loader: 10 * time.Microsecond})
		}
		r.setTrips(name, "/write", 2)
	}
	r.setTrips("sessiongen", "/nosession", 0)
	r.setTrips("sessiongen", updateRoute, 2)
	r.Micro = "BenchmarkMiddleware/untouched/cookie-2   \t  792663\t  1572 ns/op\t  936 B/op\t  8 allocs/op\n"
	r.Changes = changesFixture
	return r
}

func verdicts(r *results) map[string]string {
	v := map[string]string{}
	for _, tg := range r.targets() {
		v[tg.what] = tg.verdict()
	}
	return v
}

// TestTargets checks issue 16's targets, and issue 7's round trips, on the
// made-up run and on variations of it.
func TestTargets(t *testing.T) {
	const update = "round trips/req " + updateRoute + " (UpdateCount, no conflict)"
	for _, tt := range []struct {
		name   string
		change func(*results)
		want   map[string]string
	}{
		{"made up", func(*results) {}, map[string]string{
			"round trips/req /nosession": "met", "round trips/req /read": "met", "round trips/req /write": "met", update: "met",
			"req/s vs bare /read": "MISSED", "req/s vs bare /write": "met",
			"req/s vs scs /nosession": "met", "req/s vs scs /read": "met", "req/s vs scs /write": "met",
			"p99 latency /write": "met", "PostgreSQL CPU µs/req /write": "MISSED",
			"middleware allocs/req, untouched": "MISSED",
		}},
		{"extra round trips", func(r *results) {
			r.setTrips("sessiongen", "/read", 1.5)
			r.setTrips("sessiongen", updateRoute, 3)
		}, map[string]string{"round trips/req /read": "MISSED", update: "MISSED", "round trips/req /write": "met"}},
		{"update not counted", func(r *results) { delete(r.trips["sessiongen"], updateRoute) }, map[string]string{update: "not measured"}},
		{"scs no faster", func(r *results) {
			r.rps["scs"]["/read"] = []float64{7300, 7300}
			r.rps["sessiongen"]["/read"] = []float64{9100, 9100}
			r.rps["bare"]["/read"] = []float64{9500, 9500}
			r.lat["scs"]["/write"] = []latency{{p99: time.Millisecond}}
			r.cpu["scs"]["/write"] = []cpuPerRequest{{db: 300 * time.Microsecond}}
		}, map[string]string{
			"req/s vs scs /read": "MISSED", "req/s vs bare /read": "met",
			"p99 latency /write": "MISSED", "PostgreSQL CPU µs/req /write": "met",
		}},
		{"no latency", func(r *results) { r.lat["scs"] = map[string][]latency{} }, map[string]string{"p99 latency /write": "not measured"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := madeUp()
			tt.change(r)
			got := verdicts(r)
			for what, want := range tt.want {
				if got[what] != want {
					t.Errorf("target %q: %q, want %q (all: %v)", what, got[what], want, got)
				}
			}
		})
	}
}

// TestReport renders the made-up run: the ratios, the latencies, the
// targets, the table of changes, Markdown, and an SVG that parses as XML.
func TestReport(t *testing.T) {
	r := madeUp()
	if got := r.ratio("sessiongen", "bare", "/read"); math.Abs(got-0.9) > 1e-9 {
		t.Errorf("ratio to bare = %v, want 0.9", got)
	}
	if got := r.ratio("sessiongen", "scs", "/read"); math.Abs(got-3) > 1e-9 {
		t.Errorf("ratio to scs = %v, want 3", got)
	}
	// p50 is the 1 ms bucket's upper bound (1/32 wide), p99 the 5 ms
	// bucket's, max exact.
	md := r.markdown()
	for _, want := range []string{
		"| /read | **sessiongen** | **9000** | 8100–9900 | 0.90× | 3.00× | 1.02 / 5.11 / 10.0 | 1.00 | 30 / 250 / 10 | 0 |",
		"| /write | scs | 3000 | 2700–3300 | 0.30× | 1.00× | 1.02 / 8.13 / 16.0 | 2.00 | 30 / 200 / 10 | 0 |",
		"### Issue 16's targets for sessiongen",
		"| p99 latency /write | ≤ scs's | 5.11 ms (scs 8.13) | met |",
		"| PostgreSQL CPU µs/req /write | ≤ scs's | 250 µs (scs 200) | **missed** |",
		"| round trips/req /update (UpdateCount, no conflict) | ≤ /write's | 2.00 (/write 2.00) | met |",
		"| req/s vs bare /read | ≥ 0.95× | 0.90× | **missed** |",
		"\n" + changesFixture + "\n## Micro-benchmarks",
		"results.svg",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("RESULTS.md lacks %q:\n%s", want, md)
		}
	}
	if i, j := strings.Index(md, "### Every round"), strings.Index(md, changesFixture); i < 0 || j < i {
		t.Errorf("the table of changes is not after the rounds, in a section of its own:\n%s", md)
	}
	if strings.Contains(md, "ssue 7's targets") {
		t.Errorf("RESULTS.md still heads issue 7's targets:\n%s", md)
	}
	text := r.targetsText()
	for _, want := range []string{"issue 16 targets", "p99 latency /write", "5.11 ms (scs 8.13)", "MISSED"} {
		if !strings.Contains(text, want) {
			t.Errorf("the targets' text lacks %q:\n%s", want, text)
		}
	}
	if want := "latency ms p50 / p99 / max"; !strings.Contains(r.textTable(), want) {
		t.Errorf("the text table lacks %q:\n%s", want, r.textTable())
	}
	d := xml.NewDecoder(strings.NewReader(r.svg()))
	rects := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("results.svg is not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
	}
	// Background, 3 impls × 3 routes of bars, 3 legend keys.
	if rects != 1+9+3 {
		t.Errorf("results.svg has %d rects, want %d", rects, 1+9+3)
	}
}

func TestReadChanges(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct {
		name, path, want, wantErr string
	}{
		{"as it is", write("good.md", "\n"+changesFixture+"\n\n"), changesFixture, ""},
		{"missing", filepath.Join(dir, "CHANGES.md"), "", "bench/CHANGES.md"},
		{"no heading", write("bare.md", "| change | measured alone | kept? |\n"), "", "level-2 heading"},
		{"a title instead", write("title.md", "# Changes\n\n"+changesFixture), "", "level-2 heading"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readChanges(tt.path)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Errorf("readChanges = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("readChanges: error %v, want one that says %q", err, tt.wantErr)
			}
		})
	}
}

// TestCommittedChanges checks that bench/CHANGES.md, which RESULTS.md
// includes, is there and has the table's columns.
func TestCommittedChanges(t *testing.T) {
	s, err := readChanges("../../CHANGES.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := "| change | measured alone | kept? |"; !strings.Contains(s, want) {
		t.Errorf("CHANGES.md lacks the columns %q:\n%s", want, s)
	}
}

// TestStoreColumns checks the columns of the implementations over Redis
// and files: round trips marked Redis (beside PostgreSQL's when there are
// both), and "× scs" against scs over the same kind of store.
func TestStoreColumns(t *testing.T) {
	cfg := config{Impls: []string{"scs", "bare", "sessiongen-redis", "scs-redis", "sessiongen-file", "sessiongen-cached"}, Routes: []string{"/read"}, Rounds: 1}
	r := newResults(cfg)
	rps := map[string]float64{"scs": 2000, "bare": 4000, "sessiongen-redis": 9000, "scs-redis": 6000, "sessiongen-file": 8000, "sessiongen-cached": 5000}
	for _, name := range cfg.Impls {
		r.add(name, "/read", loadgen.Result{Requests: int64(rps[name]), Elapsed: time.Second})
		r.setTrips(name, "/read", 1)
	}
	for _, name := range []string{"sessiongen-redis", "scs-redis", "sessiongen-file"} {
		r.setTrips(name, "/read", 0)
	}
	r.setRedisTrips("sessiongen-redis", "/read", 1)
	r.setRedisTrips("scs-redis", "/read", 1)
	r.setRedisTrips("sessiongen-cached", "/read", 0.5)
	md := r.markdown()
	for _, want := range []string{
		"| /read | sessiongen-redis | 9000 | 9000–9000 | 2.25× | 1.50× | – | 1.00 Redis |",
		"| /read | scs-redis | 6000 | 6000–6000 | 1.50× | 1.00× | – | 1.00 Redis |",
		"| /read | sessiongen-file | 8000 | 8000–8000 | 2.00× | 4.00× | – | 0.00 |",
		"| /read | sessiongen-cached | 5000 | 5000–5000 | 1.25× | 2.50× | – | 1.00 + 0.50 Redis |",
		"| /read | scs | 2000 | 2000–2000 | 0.50× | 1.00× | – | 1.00 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("RESULTS.md lacks %q:\n%s", want, md)
		}
	}
	if !r.usesRedis("sessiongen-redis") || r.usesRedis("sessiongen-file") {
		t.Errorf("usesRedis: sessiongen-redis %v, sessiongen-file %v; want true, false", r.usesRedis("sessiongen-redis"), r.usesRedis("sessiongen-file"))
	}
}

// TestCommittedIdle checks that bench/IDLE.md, which RESULTS.md includes,
// is there, has the table's columns and meets its target.
func TestCommittedIdle(t *testing.T) {
	s, err := readIdle("../../IDLE.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := "| idle timeout | requests | req/s | writes | writes per request | target |"; !strings.Contains(s, want) {
		t.Errorf("IDLE.md lacks the columns %q:\n%s", want, s)
	}
	if want := "at most 1 in 100: met"; !strings.Contains(s, want) {
		t.Errorf("IDLE.md does not report the target %q met:\n%s", want, s)
	}
}
