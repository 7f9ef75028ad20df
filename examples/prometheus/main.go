// Command prometheus counts session events in Prometheus: a tiny app
// whose visits (package shop's) go through the session middleware, and its
// metrics on /metrics. Run it from the examples module with
//
//	go run ./prometheus
//
// open http://localhost:8080/ a few times, then
// http://localhost:8080/metrics.
//
// The session middleware reports each thing it does with a session (loaded,
// not_found, created, saved, deleted, ...; runtime.Events lists them) to
// the function given with runtime.WithMetrics. Here that function
// increments one series of the counter sessiongen_session_events_total,
// labelled with the event's name. An event carries nothing of a token or a
// value, so its name is safe as a label, and the labels are the fixed
// set of runtime.Events: each is registered at start, so every series is
// exported from 0 and rate() sees its first increment.
//
// # OpenTelemetry
//
// The same hook serves OpenTelemetry, with no change to the runtime: give
// runtime.WithMetrics a function that calls
//
//	counter.Add(context.Background(), 1, metric.WithAttributes(attribute.String("event", e.String())))
//
// on an Int64Counter from the app's meter (the hook has no context of its
// own). The store's queries are traced by pgx itself: set a
// pgx.QueryTracer, such as github.com/exaring/otelpgx's, as the pool's
// ConnConfig.Tracer, and each session load and save of runtime/pgstore is
// a span under the span of the request that made it (otelhttp's handler
// puts one in the request's context), as the store runs its queries with
// the request's context.
package main

import (
	"fmt"
	"log"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/examples/shop"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func main() {
	reg := prometheus.NewRegistry()
	h, err := newApp(memstore.New(), reg)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe(shop.Addr, h))
}

// newApp returns the app: its visits, behind a session middleware that
// counts its events in a counter registered with reg, and reg's metrics on
// /metrics.
func newApp(store runtime.Store, reg *prometheus.Registry) (http.Handler, error) {
	events := newEventCounter()
	if err := reg.Register(events); err != nil {
		return nil, err
	}
	mgr, err := runtime.NewManager(store, runtime.WithMetrics(func(e runtime.Event) {
		events.WithLabelValues(e.String()).Inc()
	}))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /{$}", mgr.Middleware(http.HandlerFunc(visit)))
	mux.Handle("POST /signout", mgr.Middleware(http.HandlerFunc(signOut)))
	return mux, nil
}

// newEventCounter returns the counter of session events, by event, with a
// series for every event of runtime.Events.
func newEventCounter() *prometheus.CounterVec {
	events := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sessiongen_session_events_total",
		Help: "Session events, by event: loaded, not_found, created, saved, deleted, ...",
	}, []string{"event"})
	for _, e := range runtime.Events() {
		events.WithLabelValues(e.String())
	}
	return events
}

// visit counts the visit and says which one it is.
func visit(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, shop.Visit(session.From(r)))
}

// signOut ends the session.
func signOut(w http.ResponseWriter, r *http.Request) {
	session.From(r).Flush()
	fmt.Fprintln(w, "signed out")
}
