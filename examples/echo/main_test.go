package main

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

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

// TestReturnedErrors checks the errors handlers return: a 5xx saves
// nothing of what the handler changed, a 4xx saves it, and both reach the
// browser as Echo's error page.
func TestReturnedErrors(t *testing.T) {
	e := newRouter(newManager(t))
	e.GET("/fail", func(c echo.Context) error {
		sess := session.From(c.Request())
		sess.SetVisits(sess.Visits() + 100)
		return errors.New("the database is down")
	})
	e.GET("/refuse", func(c echo.Context) error {
		sess := session.From(c.Request())
		sess.SetVisits(sess.Visits() + 10)
		return echo.NewHTTPError(http.StatusForbidden, "no")
	})

	b := webtest.New(t, e)
	b.Get("/", http.StatusOK, "visit 1\n")
	b.Get("/fail", http.StatusInternalServerError, `{"message":"Internal Server Error"}`+"\n")
	b.Get("/", http.StatusOK, "visit 2\n")
	b.Get("/refuse", http.StatusForbidden, `{"message":"no"}`+"\n")
	b.Get("/", http.StatusOK, "visit 13\n")
	b.Get("/missing", http.StatusNotFound, `{"message":"Not Found"}`+"\n")
}

// noSession reports whether the request has a session.
func noSession(c echo.Context) error {
	_, ok := session.FromContext(c.Request().Context())
	return c.String(http.StatusOK, fmt.Sprintf("session: %t\n", ok))
}

// TestRouteLevelMiddleware puts the session middleware on one route only:
// that route keeps its session, the other has none and sets no cookie.
func TestRouteLevelMiddleware(t *testing.T) {
	mgr := newManager(t)
	e := echo.New()
	e.GET("/", visit, echo.WrapMiddleware(mgr.Middleware), writeErrors)
	e.GET("/healthz", noSession)

	b := webtest.New(t, e)
	b.Get("/", http.StatusOK, "visit 1\n")
	b.Get("/", http.StatusOK, "visit 2\n")
	resp := b.Get("/healthz", http.StatusOK, "session: false\n")
	if webtest.SetCookieHeader(resp, runtime.DefaultCookieName) {
		t.Fatal("a route without the session middleware set a session cookie")
	}
	b.Get("/", http.StatusOK, "visit 3\n")
}
