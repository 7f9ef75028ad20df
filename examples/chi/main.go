// Command chi is a tiny app on the chi router with typed sessions: it
// counts the visitor's visits and keeps a cart, in memory. Run it from the
// examples module with
//
//	go run ./chi
//
// and open http://localhost:8080/. The session cookie is Secure, which
// Chrome and Firefox accept from http://localhost; elsewhere, serve HTTPS.
//
// chi middleware is net/http middleware, so the session middleware goes in
// as it is, for the whole router (r.Use) or for some routes (r.With,
// r.Group).
package main

import (
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

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
// middleware.
func newRouter(mgr *runtime.Manager) http.Handler {
	r := chi.NewRouter()
	r.Use(mgr.Middleware)
	r.Get("/", visit)
	r.Post("/cart/{item}", addToCart)
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
	sess.SetCart(append(sess.Cart(), chi.URLParam(r, "item")))
	fmt.Fprintf(w, "cart: %s\n", strings.Join(sess.Cart(), ", "))
}
