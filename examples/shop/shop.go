// Package shop is the app that every router example serves: it counts the
// visitor's visits and keeps a cart, in the typed session of package
// session, with the sessions in memory. Each example keeps only what is
// its router's: the routes, the middleware's place among them, and the
// handlers, which reach the session from their router's request and call
// Visit or AddToCart with it.
package shop

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// Addr is where the examples listen: open http://localhost:8080/. The
// session cookie is Secure, which Chrome and Firefox accept from
// http://localhost; elsewhere, serve HTTPS.
const Addr = "localhost:8080"

// Serve serves on Addr the handler that routes returns for a session
// manager over a new in-memory store, and returns the error that stops it.
func Serve[H http.Handler](routes func(*runtime.Manager) H) error {
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		return err
	}
	return http.ListenAndServe(Addr, routes(mgr))
}

// Visit counts the visit in sess and returns the page to answer with,
// which says which visit it is.
func Visit(sess *session.Session) string {
	sess.SetVisits(sess.Visits() + 1)
	return fmt.Sprintf("visit %d\n", sess.Visits())
}

// AddToCart adds item to the cart in sess and returns the page to answer
// with, which lists the cart.
func AddToCart(sess *session.Session, item string) string {
	sess.SetCart(append(sess.Cart(), item))
	return "cart: " + strings.Join(sess.Cart(), ", ") + "\n"
}
