package runtime_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// An API or mobile client that keeps no cookies carries its token in a
// header: it sends the header empty until it has a token, keeps the token
// each response's header sends, and forgets it when the header comes back
// empty.
func ExampleWithTokenHeader() {
	mgr, err := runtime.NewManager(memstore.New(),
		runtime.WithTokenHeader("Session-Token"),
		runtime.WithoutCookie(), // leave it out to serve browsers with the cookie as well
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signin", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		runtime.Set(sess, "name", "Alice")
		sess.SignIn("alice") // a new token, in the header
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		user, ok := runtime.FromRequest(r).BoundUser()
		fmt.Fprintf(w, "%s %v", user, ok)
	})
	mux.HandleFunc("POST /signout", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).Flush() // an empty header
	})
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()

	var token string
	call := func(method, path string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Session-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		sent, ok := resp.Header["Session-Token"]
		if ok {
			token = sent[0]
		}
		fmt.Printf("%s %s: body %q, token sent %v, have a token %v, cookies %d\n",
			method, path, body, ok, token != "", len(resp.Cookies()))
	}
	call("GET", "/me")
	call("POST", "/signin")
	call("GET", "/me")
	call("POST", "/signout")
	call("GET", "/me")
	// Output:
	// GET /me: body " false", token sent false, have a token false, cookies 0
	// POST /signin: body "", token sent true, have a token true, cookies 0
	// GET /me: body "alice true", token sent false, have a token true, cookies 0
	// POST /signout: body "", token sent true, have a token false, cookies 0
	// GET /me: body " false", token sent false, have a token false, cookies 0
}
