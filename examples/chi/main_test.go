package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sessiongen/sessiongen/examples/internal/webtest"
	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func newManager(t *testing.T) *runtime.Manager {
	t.Helper()
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		t.Fatal(err)
	}
	return mgr
}

// TestSessionPersists visits the app as one browser: the visit count and
// the cart carry over from request to request, and a second browser has a
// session of its own.
func TestSessionPersists(t *testing.T) {
	b := webtest.New(t, newRouter(newManager(t)))
	resp := b.Get("/", http.StatusOK, "visit 1\n")
	if !webtest.SetCookieHeader(resp, runtime.DefaultCookieName) {
		t.Fatal("the first visit set no session cookie")
	}
	b.Get("/", http.StatusOK, "visit 2\n")
	b.Post("/cart/tea", http.StatusOK, "cart: tea\n")
	b.Post("/cart/jam", http.StatusOK, "cart: tea, jam\n")
	b.Get("/", http.StatusOK, "visit 3\n")

	b.Another().Get("/", http.StatusOK, "visit 1\n")
	b.Get("/", http.StatusOK, "visit 4\n")
}

// noSession reports whether the request has a session.
func noSession(w http.ResponseWriter, r *http.Request) {
	_, ok := session.FromContext(r.Context())
	fmt.Fprintf(w, "session: %t\n", ok)
}

// TestRouteLevelMiddleware puts the session middleware on one route only:
// that route keeps its session, the other has none and sets no cookie.
func TestRouteLevelMiddleware(t *testing.T) {
	mgr := newManager(t)
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
