// Command chi serves the app of package shop on the chi router: it counts
// the visitor's visits and keeps a cart, in typed sessions held in memory.
// Run it from the examples module with
//
//	go run ./chi
//
// and open http://localhost:8080/ (see shop.Addr about its Secure cookie).
//
// chi middleware is net/http middleware, so the session middleware goes in
// as it is, for the whole router (r.Use) or for some routes (r.With,
// r.Group).
package main

import (
	"fmt"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/examples/shop"
	"github.com/sessiongen/sessiongen/runtime"
)

// newRouter returns the app's routes, every one behind the session
// middleware.
func newRouter(mgr *runtime.Manager) chi.Router {
	r := chi.NewRouter()
	r.Use(mgr.Middleware)
	r.Get("/", visit)
	r.Post("/cart/{item}", addToCart)
	return r
}

// visit counts the visit and says which one it is.
func visit(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, shop.Visit(session.From(r)))
}

// addToCart adds the item named in the path to the cart and lists the
// cart.
func addToCart(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, shop.AddToCart(session.From(r), chi.URLParam(r, "item")))
}

func main() {
	log.Fatal(shop.Serve(newRouter))
}
