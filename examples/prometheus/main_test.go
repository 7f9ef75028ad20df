package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sessiongen/sessiongen/examples/internal/webtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// newBrowser serves the app with a registry of its own and returns a
// browser visiting it, and the registry.
func newBrowser(t *testing.T) (*webtest.Browser, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	h, err := newApp(memstore.New(), reg)
	if err != nil {
		t.Fatal(err)
	}
	return webtest.New(t, h), reg
}

// TestEventCounts drives a session through its life and checks every
// series of the counter, read from the registry, after each step.
func TestEventCounts(t *testing.T) {
	b, reg := newBrowser(t)
	check := func(step string, want map[string]int) {
		t.Helper()
		var exp strings.Builder
		exp.WriteString("# HELP sessiongen_session_events_total Session events, by event: loaded, not_found, created, saved, deleted, ...\n")
		exp.WriteString("# TYPE sessiongen_session_events_total counter\n")
		for _, e := range runtime.Events() {
			exp.WriteString(`sessiongen_session_events_total{event="` + e.String() + `"} `)
			exp.WriteString(strconv.Itoa(want[e.String()]) + "\n")
		}
		if err := testutil.GatherAndCompare(reg, strings.NewReader(exp.String()), "sessiongen_session_events_total"); err != nil {
			t.Fatalf("after %s: %v", step, err)
		}
	}

	check("no request", nil)
	b.Get("/", http.StatusOK, "visit 1\n")
	check("the first visit", map[string]int{"created": 1})
	b.Get("/", http.StatusOK, "visit 2\n")
	b.Get("/", http.StatusOK, "visit 3\n")
	check("two more visits", map[string]int{"created": 1, "loaded": 2, "saved": 2})

	stale, ok := b.Cookie(runtime.DefaultCookieName)
	if !ok {
		t.Fatal("the browser holds no session cookie")
	}
	// Flush deletes the stored session without loading it.
	b.Post("/signout", http.StatusOK, "signed out\n")
	check("signing out", map[string]int{"created": 1, "loaded": 2, "saved": 2, "deleted": 1})
	if _, ok := b.Cookie(runtime.DefaultCookieName); ok {
		t.Fatal("signing out left the session cookie in the browser")
	}

	// The signed-out session's cookie, replayed, names no session: the
	// visit starts a new one.
	b.SetCookie(&http.Cookie{Name: stale.Name, Value: stale.Value})
	b.Get("/", http.StatusOK, "visit 1\n")
	check("replaying the old cookie", map[string]int{"created": 2, "loaded": 2, "saved": 2, "deleted": 1, "not_found": 1})
}

// TestMetricsEndpoint scrapes /metrics as Prometheus would: every event's
// series is there, at its count.
func TestMetricsEndpoint(t *testing.T) {
	b, _ := newBrowser(t)
	b.Get("/", http.StatusOK, "visit 1\n")
	b.Get("/", http.StatusOK, "visit 2\n")
	b.Get("/metrics", http.StatusOK, `# HELP sessiongen_session_events_total Session events, by event: loaded, not_found, created, saved, deleted, ...
# TYPE sessiongen_session_events_total counter
sessiongen_session_events_total{event="cache_hit"} 0
sessiongen_session_events_total{event="cache_miss"} 0
sessiongen_session_events_total{event="conflict"} 0
sessiongen_session_events_total{event="created"} 1
sessiongen_session_events_total{event="deleted"} 0
sessiongen_session_events_total{event="load_failed"} 0
sessiongen_session_events_total{event="loaded"} 1
sessiongen_session_events_total{event="not_found"} 0
sessiongen_session_events_total{event="save_failed"} 0
sessiongen_session_events_total{event="saved"} 1
`)
}
