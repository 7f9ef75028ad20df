package main

import (
	"errors"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sessiongen/sessiongen/examples/internal/webtest"
)

// TestReturnedErrors checks the errors handlers return: a 5xx saves
// nothing of what the handler changed, a 4xx saves it, and both reach the
// browser as Echo's error page.
func TestReturnedErrors(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	e := newRouter(mgr)
	e.GET("/fail", func(c echo.Context) error {
		webtest.AddVisits(c.Request(), 100)
		return errors.New("the database is down")
	})
	e.GET("/refuse", func(c echo.Context) error {
		webtest.AddVisits(c.Request(), 10)
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

// TestRouteLevelMiddleware puts the session middleware on one route only:
// that route keeps its session, the other has none and sets no cookie.
func TestRouteLevelMiddleware(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	e := echo.New()
	e.GET("/", visit, echo.WrapMiddleware(mgr.Middleware), writeErrors)
	e.GET("/healthz", echo.WrapHandler(http.HandlerFunc(webtest.NoSession)))
	webtest.RouteLevel(t, e, "/")
}

// TestSessionPersists visits the app as one browser, then another.
func TestSessionPersists(t *testing.T) {
	webtest.VisitAndShop(t, newRouter)
}
