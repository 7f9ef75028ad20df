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
)

// TestSessionPersists visits the app as one browser, then another.
func TestSessionPersists(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	webtest.VisitAndShop(t, newRouter(mgr))
}

// TestReturnedErrors checks the errors handlers return: a 5xx saves
// nothing of what the handler changed, a 4xx saves it, and both reach the
// browser as Echo's error page.
func TestReturnedErrors(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	e := newRouter(mgr)
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
	mgr, _ := webtest.NewManager(t)
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
