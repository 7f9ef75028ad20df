package main

import (
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sessiongen/sessiongen/examples/internal/webtest"
)

// TestRouteLevelMiddleware puts the session middleware on one route only:
// that route keeps its session, the other has none and sets no cookie.
func TestRouteLevelMiddleware(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	r := chi.NewRouter()
	r.With(mgr.Middleware).Get("/", visit)
	r.Get("/healthz", webtest.NoSession)
	webtest.RouteLevel(t, r, "/")
}

// TestSessionPersists visits the app as one browser, then another.
func TestSessionPersists(t *testing.T) {
	webtest.VisitAndShop(t, newRouter)
}
