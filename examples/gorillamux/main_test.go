package main

import (
	"testing"

	"github.com/gorilla/mux"

	"github.com/sessiongen/sessiongen/examples/internal/webtest"
)

// TestRouteLevelMiddleware puts the session middleware on a subrouter
// only: its routes keep their session, the others have none and set no
// cookie.
func TestRouteLevelMiddleware(t *testing.T) {
	r := mux.NewRouter()
	r.HandleFunc("/healthz", webtest.NoSession)
	mgr, _ := webtest.NewManager(t)
	sub := r.PathPrefix("/shop").Subrouter()
	sub.Use(mgr.Middleware)
	sub.HandleFunc("/", visit)
	webtest.RouteLevel(t, r, "/shop/")
}

// TestSessionPersists visits the app as one browser, then another.
func TestSessionPersists(t *testing.T) {
	webtest.VisitAndShop(t, newRouter)
}
