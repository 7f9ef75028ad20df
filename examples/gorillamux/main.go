// Command gorillamux serves the app of package shop on the gorilla/mux
// router: it counts the visitor's visits and keeps a cart, in typed
// sessions held in memory. Run it from the examples module with
//
//	go run ./gorillamux
//
// and open http://localhost:8080/ (see shop.Addr about its Secure cookie).
//
// mgr.Middleware is a mux.MiddlewareFunc as it is: r.Use puts it on every
// route of a router, and a subrouter's Use on the routes of a prefix.
package main

import (
	"fmt"
	"log"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/examples/shop"
	"github.com/sessiongen/sessiongen/runtime"
)

// newRouter returns the app's routes, every one behind the session
// middleware. mux runs middleware only for a request that matches a route:
// a NotFoundHandler or MethodNotAllowedHandler that uses the session must
// be wrapped in mgr.Middleware itself.
func newRouter(mgr *runtime.Manager) *mux.Router {
	r := mux.NewRouter()
	r.Use(mgr.Middleware)
	r.HandleFunc("/", visit).Methods(http.MethodGet)
	r.HandleFunc("/cart/{item}", addToCart).Methods(http.MethodPost)
	return r
}

// visit counts the visit and says which one it is.
func visit(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, shop.Visit(session.From(r)))
}

// addToCart adds the item named in the path to the cart and lists the
// cart.
func addToCart(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, shop.AddToCart(session.From(r), mux.Vars(r)["item"]))
}

func main() {
	log.Fatal(shop.Serve(newRouter))
}
