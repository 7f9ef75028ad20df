package runtime_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// The middleware gives each request its session. Applications reach it
// through the accessors sessiongen generates (sess.SetVisits(n)); this
// example uses the runtime's helpers that those accessors call.
func Example() {
	mgr := runtime.NewManager(memstore.New())

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		n, _ := runtime.Get[int](sess, "visits")
		runtime.Set(sess, "visits", n+1)
		fmt.Fprintf(w, "visit %d", n+1)
	})
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for range 3 {
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
	// visit 1
	// visit 2
	// visit 3
}
