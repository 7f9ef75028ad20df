package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

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
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for _, id := range []string{"tea", "tea", "mug"} {
		resp, err := browser.Post(srv.URL+"/cart/"+id, "", nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// 1 in cart
	// 2 in cart
	// 3 in cart
}

// A flash key is read once: PopNotice removes it.
func ExampleSession_PopNotice() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).SetNotice("Saved.")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		notice, ok := session.From(r).PopNotice()
		fmt.Fprintf(w, "%q %v", notice, ok)
	})
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, _ := browser.Post(srv.URL, "", nil)
	resp.Body.Close()
	for range 2 {
		resp, err := browser.Get(srv.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// "Saved." true
	// "" false
}
