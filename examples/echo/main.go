// Command echo serves the app of package shop on the Echo framework: it
// counts the visitor's visits and keeps a cart, in typed sessions held in
// memory. Run it from the examples module with
//
//	go run ./echo
//
// and open http://localhost:8080/ (see shop.Addr about its Secure cookie).
//
// echo.WrapMiddleware turns the session middleware into Echo middleware:
// it hands the handler the request that carries the session, reached with
// session.From(c.Request()), and a response that writes through the
// session's writer, which saves the session before the headers go out.
// Pair it with writeErrors, below, so that an error a handler returns is
// written while the session middleware still sees the response.
package main

import (
	"log"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/examples/shop"
	"github.com/sessiongen/sessiongen/runtime"
)

// writeErrors writes the response of an error the handler returns at once,
// with Echo's HTTPErrorHandler, and reports none to the middleware outside.
//
// It goes right after the session middleware. Without it the error travels
// back through the session middleware, which, seeing a handler that wrote
// nothing, saves the session as for a 200 response; Echo then writes the
// error page. With it the session middleware sees the error's status: a 5xx
// response saves nothing, as with any handler. Echo's request loggers still
// log the status, which they read from the response.
func writeErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			c.Error(err)
		}
		return nil
	}
}

// newRouter returns the app's routes, every one behind the session
// middleware.
func newRouter(mgr *runtime.Manager) *echo.Echo {
	e := echo.New()
	e.Use(echo.WrapMiddleware(mgr.Middleware), writeErrors)
	e.GET("/", visit)
	e.POST("/cart/:item", addToCart)
	return e
}

// visit counts the visit and says which one it is.
func visit(c echo.Context) error {
	return c.String(http.StatusOK, shop.Visit(session.From(c.Request())))
}

// addToCart adds the item named in the path to the cart and lists the
// cart.
func addToCart(c echo.Context) error {
	return c.String(http.StatusOK, shop.AddToCart(session.From(c.Request()), c.Param("item")))
}

func main() {
	log.Fatal(shop.Serve(newRouter))
}
