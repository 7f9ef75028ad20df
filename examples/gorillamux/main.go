// Command gorillamux is a tiny app on the gorilla/mux router with typed
// sessions: it counts the visitor's visits and keeps a cart, in memory.
// Run it from the examples module with
//
//	go run ./gorillamux
//
// and open http://localhost:8080/. The session cookie is Secure, which
// Chrome and Firefox accept from http://localhost; elsewhere, serve HTTPS.
//
// mgr.Middleware is a mux.MiddlewareFunc as it is: r.Use puts it on every
// route of a router, and a subrouter's Use on the routes of a prefix.
package main

import (
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func main() {
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("localhost:8080", newRouter(mgr)))
}

// newRouter returns the app's routes, every one behind the session
// middleware. mux runs middleware only for a request that matches a route:
// a NotFoundHandler or MethodNotAllowedHandler that uses the session must
// be wrapped in mgr.Middleware itself.
func newRouter(mgr *runtime.Manager) http.Handler {
	r := mux.NewRouter()
	r.Use(mgr.Middleware)
	r.HandleFunc("/", visit).Methods(http.MethodGet)
	r.HandleFunc("/cart/{item}", addToCart).Methods(http.MethodPost)
	return r
}

// visit counts the visit and says which one it is.
func visit(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	sess.SetVisits(sess.Visits() + 1)
	fmt.Fprintf(w, "visit %d\n", sess.Visits())
}

// addToCart adds the item named in the path to the cart and lists the
// cart.
func addToCart(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	sess.SetCart(append(sess.Cart(), mux.Vars(r)["item"]))
	fmt.Fprintf(w, "cart: %s\n", strings.Join(sess.Cart(), ", "))
}
