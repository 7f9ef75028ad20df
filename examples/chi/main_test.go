package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sessiongen/sessiongen/examples/internal/webtest"
	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/runtime"
)

// TestSessionPersists visits the app as one browser, then another.
func TestSessionPersists(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	webtest.VisitAndShop(t, newRouter(mgr))
}

// noSession reports whether the request has a session.
func noSession(w http.ResponseWriter, r *http.Request) {
	_, ok := session.FromContext(r.Context())
	fmt.Fprintf(w, "session: %t\n", ok)
}

// TestRouteLevelMiddleware puts the session middleware on one route only:
// that route keeps its session, the other has none and sets no cookie.
func TestRouteLevelMiddleware(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	r := chi.NewRouter()
	r.With(mgr.Middleware).Get("/", visit)
	r.Get("/healthz", noSession)

	b := webtest.New(t, r)
	b.Get("/", http.StatusOK, "visit 1\n")
	b.Get("/", http.StatusOK, "visit 2\n")
	resp := b.Get("/healthz", http.StatusOK, "session: false\n")
	if webtest.SetCookieHeader(resp, runtime.DefaultCookieName) {
		t.Fatal("a route without the session middleware set a session cookie")
	}
	b.Get("/", http.StatusOK, "visit 3\n")
}
