package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/sessiongen/sessiongen/example/catalog"
	"github.com/sessiongen/sessiongen/example/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// Handlers use the accessors generated from sessions.yaml: typed, with no
// string keys. Cart returns a copy, so changing it changes nothing until
// SetCart.
func ExampleSession_SetCart() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cart/{id}", func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		sess.SetCart(catalog.Add(sess.Cart(), r.PathValue("id")))
		fmt.Fprintf(w, "%d in cart", catalog.Count(sess.Cart()))
	})
	browse(mux, "POST /cart/tea", "POST /cart/tea", "POST /cart/mug")
	// Output:
	// POST /cart/tea: 1 in cart
	// POST /cart/tea: 2 in cart
	// POST /cart/mug: 3 in cart
}

// A flash key is read once: PopNotice removes it.
func ExampleSession_PopNotice() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).SetNotice("Saved.")
		fmt.Fprint(w, "saved")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		notice, ok := session.From(r).PopNotice()
		fmt.Fprintf(w, "%q %v", notice, ok)
	})
	browse(mux, "POST /", "GET /", "GET /")
	// Output:
	// POST /: saved
	// GET /: "Saved." true
	// GET /: "" false
}

// browse serves h through the session middleware, over a store in memory,
// and sends it requests such as "POST /cart/tea", in order, as one browser
// that keeps cookies; it prints each request with the body it got back.
func browse(h http.Handler, requests ...string) {
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(mgr.Middleware(h))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for _, request := range requests {
		method, path, _ := strings.Cut(request, " ")
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := browser.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%s: %s\n", request, body)
	}
}
