// Package apptest holds what the tests of the testdata modules share. It
// is not built here: the compile tests copy it into each temporary module
// they make of testdata/app or testdata/evolve, as example.com/app/apptest.
package apptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// Stores returns the stores to test, by name: memstore, and pgstore when
// the compile test passed a database in $SESSIONGEN_TEST_DATABASE_URL.
func Stores(t *testing.T) map[string]runtime.Store {
	t.Helper()
	stores := map[string]runtime.Store{"memstore": memstore.New()}
	url := os.Getenv("SESSIONGEN_TEST_DATABASE_URL")
	if url == "" {
		t.Log("SESSIONGEN_TEST_DATABASE_URL not set: testing memstore only")
		return stores
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err == nil {
		t.Cleanup(pool.Close)
		err = pgstore.Migrate(context.Background(), pool)
	}
	if err != nil {
		t.Fatal(err)
	}
	stores["pgstore"] = pgstore.New(pool)
	return stores
}

// Serve serves h, through the middleware of a manager of sessions in
// store made with opts, until the test ends, and returns the server's URL.
func Serve(t *testing.T, store runtime.Store, h http.Handler, opts ...runtime.Option) string {
	t.Helper()
	mgr, err := runtime.NewManager(store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mgr.Middleware(h))
	t.Cleanup(srv.Close)
	return srv.URL
}

// NewClient returns a client that keeps cookies, as a browser does.
func NewClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// Get requests url with c and returns the response, its body closed; it
// fails the test unless the response is 200 OK.
func Get(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	resp, err := TryGet(c, url)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// Body requests url with c and returns the body of the response; it fails
// the test unless the response is 200 OK.
func Body(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v: %s", url, resp.Status, err, b)
	}
	return string(b)
}

// LogBuffer is a bytes.Buffer that a server's goroutines may log to while
// the test reads it.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what has been logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TryGet is Get for a goroutine other than the test's: it returns an error
// instead of failing the test.
func TryGet(c *http.Client, url string) (*http.Response, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp, nil
}

// Concurrently calls f(0) to f(n-1), each in a goroutine of its own, all
// let go at once, and returns when every call has.
func Concurrently(n int, f func(i int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			f(i)
		})
	}
	start.Done()
	done.Wait()
}

// A Barrier holds n goroutines until all have reached it.
type Barrier struct {
	t    *testing.T
	wg   sync.WaitGroup
	done chan struct{}
}

// NewBarrier returns a barrier for n goroutines.
func NewBarrier(t *testing.T, n int) *Barrier {
	b := &Barrier{t: t, done: make(chan struct{})}
	b.wg.Add(n)
	go func() { b.wg.Wait(); close(b.done) }()
	return b
}

// Wait returns when all the goroutines have called it, or after a few
// seconds, failing the test.
func (b *Barrier) Wait() {
	b.wg.Done()
	select {
	case <-b.done:
	case <-time.After(5 * time.Second):
		b.t.Error("not every request reached the barrier")
	}
}
