package runtime_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// WithMaxSessionsPerUser bounds how many devices a user is signed in on:
// the third sign-in ends the session saved longest ago, the laptop's.
func ExampleWithMaxSessionsPerUser() {
	mgr, err := runtime.NewManager(memstore.New(), runtime.WithMaxSessionsPerUser(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		runtime.Set(sess, "device", r.FormValue("device"))
		sess.SignIn("alice")
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		user, ok := runtime.FromRequest(r).BoundUser()
		if !ok {
			user = "nobody"
		}
		fmt.Fprint(w, user)
	})
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()

	laptop, phone, tablet := newBrowser(), newBrowser(), newBrowser()
	get(laptop, srv.URL+"/signin?device=laptop")
	get(phone, srv.URL+"/signin?device=phone")
	get(tablet, srv.URL+"/signin?device=tablet")
	for _, b := range []*http.Client{laptop, phone, tablet} {
		_, body := get(b, srv.URL+"/whoami")
		fmt.Println(body)
	}
	// Output:
	// nobody
	// alice
	// alice
}
