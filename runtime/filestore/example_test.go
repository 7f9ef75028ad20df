package filestore_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/filestore"
	"github.com/sessiongen/sessiongen/runtime/janitor"
)

// Sessions in files outlast the process: a store opened again over the
// same directory, as after a restart, serves the sessions the first one
// saved.
func Example() {
	dir, err := os.MkdirTemp("", "sessions")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}

	for _, run := range []string{"first run", "after a restart"} {
		store, err := filestore.New(dir)
		if err != nil {
			log.Fatal(err) // names the directory and why: missing, not a directory, not writable
		}
		mgr, err := runtime.NewManager(store)
		if err != nil {
			log.Fatal(err)
		}
		stopJanitor := janitor.Start(context.Background(), store, time.Hour)

		srv := httptest.NewServer(mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sess := runtime.FromRequest(r)
			n, _ := runtime.Get[int](sess, "visits")
			runtime.Set(sess, "visits", n+1)
			fmt.Fprintf(w, "visit %d", n+1)
		})))
		for range 2 {
			resp, err := browser.Get(srv.URL)
			if err != nil {
				log.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Printf("%s: %s\n", run, body)
		}
		srv.Close()
		stopJanitor()
	}
	// Output:
	// first run: visit 1
	// first run: visit 2
	// after a restart: visit 3
	// after a restart: visit 4
}
