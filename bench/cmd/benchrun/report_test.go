package main

import (
	"encoding/xml"
	"io"
	"math"
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

// TestReport renders a run of made-up figures: the ratios, the targets,
// Markdown, and an SVG that parses as XML.
func TestReport(t *testing.T) {
	cfg := config{Impls: []string{"sessiongen", "scs", "bare"}, Routes: []string{"/nosession", "/read"}, Rounds: 2, Workers: 4, Pool: 2}
	r := newResults(cfg)
	rps := map[string]float64{"sessiongen": 9000, "scs": 3000, "bare": 10000}
	for _, name := range cfg.Impls {
		for _, route := range cfg.Routes {
			for _, f := range []float64{0.9, 1.1} {
				r.add(name, route, loadgen.Result{Requests: int64(rps[name] * f), Elapsed: time.Second})
			}
			r.setTrips(name, route, 1)
			r.addCPU(name, route, cpuPerRequest{server: 30 * time.Microsecond, db: 20 * time.Microsecond, loader: 10 * time.Microsecond})
		}
	}
	r.setTrips("sessiongen", "/nosession", 0)
	r.Micro = "BenchmarkMiddleware/untouched/cookie-2   \t  792663\t  1572 ns/op\t  936 B/op\t  8 allocs/op\n"
	if got := r.ratio("sessiongen", "bare", "/read"); math.Abs(got-0.9) > 1e-9 {
		t.Errorf("ratio to bare = %v, want 0.9", got)
	}
	if got := r.ratio("sessiongen", "scs", "/read"); math.Abs(got-3) > 1e-9 {
		t.Errorf("ratio to scs = %v, want 3", got)
	}
	verdicts := map[string]string{}
	for _, tg := range r.targets() {
		verdicts[tg.what] = tg.verdict()
	}
	for what, want := range map[string]string{
		"round trips/req /nosession": "met", "round trips/req /read": "met",
		"req/s vs bare /read": "met", "req/s vs scs /read": "met",
		"middleware allocs/req, untouched": "MISSED",
	} {
		if verdicts[what] != want {
			t.Errorf("target %q: %q, want %q (all: %v)", what, verdicts[what], want, verdicts)
		}
	}
	md := r.markdown()
	for _, want := range []string{"| /read | **sessiongen** | **9000** | 8100–9900 | 0.90× | 3.00× | 1.00 | 30 / 20 / 10 | 0 |", "results.svg"} {
		if !strings.Contains(md, want) {
			t.Errorf("RESULTS.md lacks %q:\n%s", want, md)
		}
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
	// Background, 3 impls × 2 routes of bars, 3 legend keys.
	if rects != 1+6+3 {
		t.Errorf("results.svg has %d rects, want %d", rects, 1+6+3)
	}
}
