package main

import (
	"fmt"
	"math"
	"strings"
)

// says is "what this says": the comparisons the figures make, computed
// from them, each with whether the difference exceeds the spread.
func (r *report) says() string {
	if len(r.cases) == 0 {
		return ""
	}
	var b strings.Builder
	unit := "backend CPU per execution"
	if c := r.cases[0]; len(c.samples) > 0 && c.samples[0].cpuUS < 0 {
		unit = "execution time per call (pg_stat_statements; backend CPU was not measured)"
	}
	fmt.Fprintf(&b, "Figures are PostgreSQL's %s, small / 8 KiB session, medians; \"within the spread\" marks a difference that the rounds' spreads overlap.\n\n", unit)
	fmt.Fprintf(&b, "- **Today's save against the floor.** UpdateSession at HEAD (2a) costs %s; scs/bare's upsert (6a) %s: %s.\n",
		r.both("2a"), r.both("6a"), r.diffBoth("2a", "6a"))
	fmt.Fprintf(&b, "- **The shape of the per-key save.** Without the deleted array and the Expect conditions (2b): %s against 2a. Without the size bound as well (2c): %s against 2b.\n",
		r.diffBoth("2b", "2a"), r.diffBoth("2c", "2b"))
	fmt.Fprintf(&b, "- **Whole-object saves under a version guard.** jsonb (3a) %s, %s against 2a; bytea (4a) %s, %s against 2a and %s against the upsert (6a).\n",
		r.both("3a"), r.diffBoth("3a", "2a"), r.both("4a"), r.diffBoth("4a", "2a"), r.diffBoth("4a", "6a"))
	fmt.Fprintf(&b, "- **CHECK constraints.** Dropping jsonb's two (3b against 3a): %s; bytea's one (5a against 4a): %s.\n",
		r.diffBoth("3b", "3a"), r.diffBoth("5a", "4a"))
	fmt.Fprintf(&b, "- **HOT.** With fillfactor 70 and expires_at left alone (5b), %s of updates were HOT (4a: %s); its cost %s against 4a, WAL %s against 4a's %s bytes per save.\n",
		r.hotBoth("5b"), r.hotBoth("4a"), r.diffBoth("5b", "4a"), r.walBoth("5b"), r.walBoth("4a"))
	fmt.Fprintf(&b, "- **WAL per save** (server, commit records included): 2a %s, 3a %s, 4a %s, 6a %s bytes.\n",
		r.walBoth("2a"), r.walBoth("3a"), r.walBoth("4a"), r.walBoth("6a"))
	fmt.Fprintf(&b, "- **Loads.** LoadSession at HEAD (1a) %s; without created_at, updated_at (1b) %s, %s; bytea (4b) %s, %s against 1a; bare's SELECT (6b) %s.\n",
		r.both("1a"), r.both("1b"), r.diffBoth("1b", "1a"), r.both("4b"), r.diffBoth("4b", "1a"), r.both("6b"))
	fmt.Fprintf(&b, "- **The fallback.** The per-key merge on bytea in SQL (7) costs %s: %s against 2a.\n",
		r.both("7"), r.diffBoth("7", "2a"))
	for _, route := range serverRoutes {
		sg, bare := r.profile("sessiongen", route), r.profile("bare", route)
		if sg == nil || bare == nil {
			continue
		}
		fmt.Fprintf(&b, "- **Server %s.** sessiongen's server uses %.0f µs of CPU per request and bare's %.0f: %s; PostgreSQL %.0f and %.0f µs; allocations (profile estimate) %.0f and %.0f per request%s.\n",
			route, sg.server().med, bare.server().med, diffText(sg.server(), bare.server(), "µs"),
			sg.db().med, bare.db().med, sg.allocsPerReq, bare.allocsPerReq, r.microNote(sg, bare))
		if len(sg.packages) > 0 {
			var parts []string
			for _, c := range sg.packages[:min(6, len(sg.packages))] {
				parts = append(parts, fmt.Sprintf("`%s` %.0f", c.name, c.cpu*1e6/float64(sg.served)))
			}
			fmt.Fprintf(&b, "  Where sessiongen's server CPU goes on %s (µs/req, flat, by package): %s.\n", route, strings.Join(parts, ", "))
		}
	}
	return b.String()
}

func (r *report) find(id, size string) *pgCase {
	for _, c := range r.cases {
		if c.form.id == id && c.size.name == size {
			return c
		}
	}
	return nil
}

// both returns the cost of form id on both sizes.
func (r *report) both(id string) string {
	return r.perSize(id, func(c *pgCase) string { return fmt.Sprintf("%.0f", c.cost().med) }) + " µs"
}

func (r *report) perSize(id string, f func(*pgCase) string) string {
	var parts []string
	for _, z := range sizes {
		if c := r.find(id, z.name); c != nil && len(c.samples) > 0 {
			parts = append(parts, f(c))
		} else {
			parts = append(parts, "—")
		}
	}
	return strings.Join(parts, " / ")
}

// diffBoth returns form a's cost less form b's, on both sizes.
func (r *report) diffBoth(a, b string) string {
	var parts []string
	for _, z := range sizes {
		ca, cb := r.find(a, z.name), r.find(b, z.name)
		if ca == nil || cb == nil || len(ca.samples) == 0 || len(cb.samples) == 0 {
			parts = append(parts, "—")
			continue
		}
		parts = append(parts, diffText(ca.cost(), cb.cost(), "µs"))
	}
	return strings.Join(parts, " / ")
}

// diffText returns a's median less b's, with their ratio, and whether
// their spreads overlap.
func diffText(a, b stat, unit string) string {
	note := ""
	if (a.lo != a.hi || b.lo != b.hi) && a.lo <= b.hi && b.lo <= a.hi {
		note = ", within the spread"
	}
	return fmt.Sprintf("%+.0f %s (×%.2f%s)", a.med-b.med, unit, a.med/b.med, note)
}

func (r *report) walBoth(id string) string {
	return r.perSize(id, func(c *pgCase) string {
		return fmt.Sprintf("%.0f", c.each(func(s pgSample) float64 { return s.allWALBytes }).med)
	})
}

func (r *report) hotBoth(id string) string {
	return r.perSize(id, func(c *pgCase) string {
		if h := c.hotRatio(); h >= 0 {
			return fmt.Sprintf("%.0f%%", 100*h)
		}
		return "—"
	})
}

func (r *report) profile(impl, route string) *routeProfile {
	for _, p := range r.profiles {
		if p.impl == impl && p.route == route {
			return p
		}
	}
	return nil
}

func (p *routeProfile) server() stat {
	return p.sample(func(s serverSample) float64 { return s.serverUS })
}
func (p *routeProfile) db() stat { return p.sample(func(s serverSample) float64 { return s.dbUS }) }

func (p *routeProfile) sample(f func(serverSample) float64) stat {
	vs := make([]float64, len(p.rounds))
	for i, s := range p.rounds {
		vs[i] = f(s)
	}
	return statOf(vs)
}

func (r *report) microNote(sg, bare *routeProfile) string {
	if sg.micro == nil || bare.micro == nil || math.IsNaN(sg.micro.allocsPerOp) {
		return ""
	}
	return fmt.Sprintf(" (go test, exact: %.0f and %.0f allocs, %.0f and %.0f B)",
		sg.micro.allocsPerOp, bare.micro.allocsPerOp, sg.micro.bytesPerOp, bare.micro.bytesPerOp)
}
