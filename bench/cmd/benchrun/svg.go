package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// colors of the implementations' bars.
var colors = map[string]string{
	"sessiongen":        "#2563eb",
	"sessiongen-cached": "#7c3aed",
	"sessiongen-redis":  "#0891b2",
	"sessiongen-file":   "#1e3a8a",
	"scs":               "#ea580c",
	"scs-redis":         "#f59e0b",
	"gorilla":           "#16a34a",
	"bare":              "#6b7280",
}

// svg renders the medians as a grouped bar chart: one group per route, one
// bar per implementation, labelled with its requests/s.
func (r *results) svg() string {
	routes, impls := r.cfg.Routes, r.cfg.Impls
	const (
		minBarW = 22 // wide enough for its label
		height  = 480
		left    = 70
		right   = 20
		top     = 60
		bottom  = 50
		barGap  = 2
		groupPd = 18
	)
	// Wide enough for bars of at least minBarW.
	width := max(960, left+right+len(routes)*(2*groupPd+len(impls)*minBarW+(len(impls)-1)*barGap))
	plotW, plotH := float64(width-left-right), float64(height-top-bottom)
	top0 := 0.0
	for _, route := range routes {
		for _, name := range impls {
			if v := r.median(name, route); !math.IsNaN(v) {
				top0 = math.Max(top0, v)
			}
		}
	}
	step := niceStep(top0 / 5)
	ymax := math.Ceil(top0/step) * step
	if ymax == 0 {
		ymax, step = 1, 1
	}
	y := func(v float64) float64 { return float64(top) + plotH - v/ymax*plotH }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	rounds := fmt.Sprintf("median of %d rounds", r.cfg.Rounds)
	if r.cfg.Rounds == 1 {
		rounds = "1 round"
	}
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">Requests per second (%s; higher is better)</text>`+"\n", left, rounds)
	fmt.Fprintf(&b, `<text x="%d" y="42" fill="#555">%s</text>`+"\n", left, html.EscapeString(fmt.Sprintf(
		"%d connections, pool of %d, PostgreSQL on the same machine; %s", r.cfg.Workers, r.cfg.Pool, r.Date.Format("2006-01-02"))))
	for v := 0.0; v <= ymax+step/2; v += step {
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e7eb"/>`+"\n", left, yy, width-right, yy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#555">%s</text>`+"\n", left-6, yy+4, compact(v))
	}
	groupW := plotW / float64(len(routes))
	barW := (groupW - 2*groupPd - float64(len(impls)-1)*barGap) / float64(len(impls))
	for gi, route := range routes {
		gx := float64(left) + float64(gi)*groupW
		for bi, name := range impls {
			v := r.median(name, route)
			if math.IsNaN(v) {
				continue
			}
			x := gx + groupPd + float64(bi)*(barW+barGap)
			yy := y(v)
			color := colors[name]
			if color == "" {
				color = "#999999"
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %.0f req/s</title></rect>`+"\n",
				x, yy, barW, float64(top)+plotH-yy, color, html.EscapeString(name), html.EscapeString(route), v)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="#333">%s</text>`+"\n", x+barW/2, yy-3, compact(v))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", gx+groupW/2, height-bottom+18, html.EscapeString(route))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#333"/>`+"\n", left, y(0), width-right, y(0))
	// The legend, right-aligned, each key as wide as its name (about 7 px
	// a character).
	keyW := func(name string) float64 { return float64(16 + 7*len(name) + 14) }
	x := float64(width - right)
	for _, name := range impls {
		x -= keyW(name)
	}
	for _, name := range impls {
		color := colors[name]
		if color == "" {
			color = "#999999"
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="12" height="12" fill="%s"/>`+"\n", x, height-22, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", x+16, height-12, html.EscapeString(name))
		x += keyW(name)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceStep rounds a grid step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// compact formats a count for a label: 950, 1.2k, 12k.
func compact(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.0fk", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.1fk", v/1000)
	}
	return fmt.Sprintf("%.0f", v)
}
