// Package evolve_test writes sessions through the accessors generated for
// before/sessions.yaml and reads and rewrites them through those of
// after/sessions.yaml, which renames keys with renamed_from, over the
// middleware and memstore and pgstore.
package evolve_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"example.com/app/after"
	"example.com/app/before"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// stores returns the stores to test: memstore, and pgstore when the
// parent test passed a database.
func stores(t *testing.T) map[string]runtime.Store {
	t.Helper()
	s := map[string]runtime.Store{"memstore": memstore.New()}
	dbURL := os.Getenv("SESSIONGEN_TEST_DATABASE_URL")
	if dbURL == "" {
		t.Log("SESSIONGEN_TEST_DATABASE_URL not set: testing memstore only")
		return s
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	s["pgstore"] = pgstore.New(pool)
	return s
}

// routes serves the old release's accessors under /before/ and the new
// release's under /after/, as two deploys sharing one store would.
func routes(t *testing.T) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/before/write", func(w http.ResponseWriter, r *http.Request) {
		sess := before.From(r)
		sess.SetBasket([]int64{1, 2, 3})
		sess.SetColour("blue")
		sess.SetNotice("saved")
		sess.SetUserID(7)
		sess.SetLegacy("kept")
	})
	mux.HandleFunc("/after/read", func(w http.ResponseWriter, r *http.Request) {
		sess := after.From(r)
		if got := sess.CartItems(); !reflect.DeepEqual(got, []int64{1, 2, 3}) {
			t.Errorf("CartItems() = %v, want the value stored as basket", got)
		}
		if got, ok := sess.LookupTheme(); got != "blue" || !ok {
			t.Errorf("LookupTheme() = %q, %v, want the value stored as colour", got, ok)
		}
	})
	mux.HandleFunc("/after/visit", func(w http.ResponseWriter, r *http.Request) {
		after.From(r).SetVisits(1)
	})
	mux.HandleFunc("/after/read-and-visit", func(w http.ResponseWriter, r *http.Request) {
		sess := after.From(r)
		if got := sess.CartItems(); !reflect.DeepEqual(got, []int64{1, 2, 3}) {
			t.Errorf("CartItems() = %v", got)
		}
		if got := sess.Theme(); got != "blue" {
			t.Errorf("Theme() = %q", got)
		}
		sess.SetVisits(2)
	})
	mux.HandleFunc("/after/pop", func(w http.ResponseWriter, r *http.Request) {
		sess := after.From(r)
		if got, ok := sess.PopFlashNotice(); got != "saved" || !ok {
			t.Errorf("PopFlashNotice() = %q, %v, want the value stored as notice", got, ok)
		}
		if got, ok := sess.PopFlashNotice(); ok {
			t.Errorf("second PopFlashNotice() = %q, %v", got, ok)
		}
	})
	mux.HandleFunc("/after/update", func(w http.ResponseWriter, r *http.Request) {
		sess := after.From(r)
		sess.UpdateCartItems(func(v []int64) []int64 {
			if !reflect.DeepEqual(v, []int64{1, 2, 3}) {
				t.Errorf("UpdateCartItems: fn got %v, want the value stored as basket", v)
			}
			return append(v, 4)
		})
		sess.UpdateTheme(func(v string) string {
			if v != "blue" {
				t.Errorf("UpdateTheme: fn got %q, want the value stored as colour", v)
			}
			return v + "-green"
		})
		sess.UpdateFlashNotice(func(v string) string {
			if v != "saved" {
				t.Errorf("UpdateFlashNotice: fn got %q, want the value stored as notice", v)
			}
			return v + "!"
		})
	})
	mux.HandleFunc("/after/replace", func(w http.ResponseWriter, r *http.Request) {
		sess := after.From(r)
		sess.SetCartItems([]int64{9}) // without reading first
		sess.DeleteTheme()
	})
	return mux
}

// client is a browser of the test server that can see its stored session.
type client struct {
	t     *testing.T
	srv   *httptest.Server
	http  *http.Client
	store runtime.Store
}

// get requests path and returns the response, whose body is closed.
func (c *client) get(path string) *http.Response {
	c.t.Helper()
	resp, err := c.http.Get(c.srv.URL + path)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	return resp
}

// stored returns the stored data of the client's session, each value as
// JSON text.
func (c *client) stored() map[string]string {
	c.t.Helper()
	u, _ := url.Parse(c.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name != "sessionid" {
			continue
		}
		h, ok := runtime.HashToken(ck.Value)
		if !ok {
			c.t.Fatalf("cookie %q is not a token", ck.Value)
		}
		rec, err := c.store.Load(context.Background(), h)
		if err != nil {
			c.t.Fatal(err)
		}
		data := map[string]string{}
		for k, v := range rec.Data {
			var compact any
			if err := json.Unmarshal(v, &compact); err != nil {
				c.t.Fatal(err)
			}
			b, _ := json.Marshal(compact)
			data[k] = string(b)
		}
		return data
	}
	c.t.Fatal("no session cookie")
	return nil
}

// wantStored checks the stored data.
func (c *client) wantStored(when string, want map[string]string) {
	c.t.Helper()
	if got := c.stored(); !reflect.DeepEqual(got, want) {
		c.t.Errorf("%s: stored %v\nwant %v", when, got, want)
	}
}

// written is what /before/write stores.
var written = map[string]string{
	"basket": "[1,2,3]", "colour": `"blue"`, "notice": `"saved"`, "user_id": "7", "legacy": `"kept"`,
}

// with returns a copy of m with the entries of set, and without those
// whose value in set is "".
func with(m map[string]string, set map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for k, v := range set {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func TestRenamedKeysKeepTheirValues(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mgr, err := runtime.NewManager(store)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(mgr.Middleware(routes(t)))
			t.Cleanup(srv.Close)
			newClient := func() *client {
				jar, err := cookiejar.New(nil)
				if err != nil {
					t.Fatal(err)
				}
				c := &client{t: t, srv: srv, http: &http.Client{Jar: jar}, store: store}
				c.get("/before/write")
				c.wantStored("written by the old release", written)
				return c
			}

			t.Run("a read alone moves nothing", func(t *testing.T) {
				c := newClient()
				c.t = t
				if resp := c.get("/after/read"); len(resp.Cookies()) != 0 {
					t.Errorf("a read saved the session: %v", resp.Cookies())
				}
				c.wantStored("after a read", written)
			})
			t.Run("a save without a read moves nothing", func(t *testing.T) {
				c := newClient()
				c.t = t
				c.get("/after/visit")
				c.wantStored("after a save", with(written, map[string]string{"visits": "1"}))
			})
			t.Run("a save after a read moves what was read", func(t *testing.T) {
				c := newClient()
				c.t = t
				c.get("/after/read-and-visit")
				c.wantStored("after a read and a save", with(written, map[string]string{
					"basket": "", "cart_items": "[1,2,3]", "colour": "", "theme": `"blue"`, "visits": "2",
				}))
				c.get("/after/read") // reads the new names now
			})
			t.Run("a flash key renamed is read once", func(t *testing.T) {
				c := newClient()
				c.t = t
				c.get("/after/pop")
				c.wantStored("after the pop", with(written, map[string]string{"notice": ""}))
			})
			t.Run("an update reads the former names and removes them", func(t *testing.T) {
				c := newClient()
				c.t = t
				c.get("/after/update")
				c.wantStored("after the updates", with(written, map[string]string{
					"basket": "", "cart_items": "[1,2,3,4]", "colour": "", "theme": `"blue-green"`,
					"notice": "", "flash_notice": `"saved!"`,
				}))
			})
			t.Run("set and delete remove the former names", func(t *testing.T) {
				c := newClient()
				c.t = t
				c.get("/after/replace")
				c.wantStored("after SetCartItems and DeleteTheme", with(written, map[string]string{
					"basket": "", "cart_items": "[9]", "colour": "",
				}))
			})
		})
	}
}

// TestConcurrentUpdatesOfARenamedKey sends many requests at once on a
// session that holds a renamed key's value under its former name, each
// appending one item through the update method: every item is kept, after
// the value read under the former name, and the former name is gone. The
// first save moves the value; the others find the key no longer absent,
// as their compare-and-set expects, and apply their update again to the
// moved value. On a store that ignores runtime.Change.Expect, concurrent
// saves overwrite each other and this test fails.
func TestConcurrentUpdatesOfARenamedKey(t *testing.T) {
	const n = 20
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mgr, err := runtime.NewManager(store)
			if err != nil {
				t.Fatal(err)
			}
			mux := routes(t)
			loaded := newBarrier(t, n)
			mux.HandleFunc("/after/append", func(w http.ResponseWriter, r *http.Request) {
				var item int64
				fmt.Sscan(r.FormValue("item"), &item)
				after.From(r).UpdateCartItems(func(v []int64) []int64 { return append(v, item) })
				loaded.wait() // every request read basket before any saves
			})
			srv := httptest.NewServer(mgr.Middleware(mux))
			t.Cleanup(srv.Close)
			jar, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			c := &client{t: t, srv: srv, http: &http.Client{Jar: jar}, store: store}
			c.get("/before/write")
			var start, done sync.WaitGroup
			start.Add(1)
			for i := range n {
				done.Go(func() {
					start.Wait()
					resp, err := c.http.Get(fmt.Sprintf("%s/after/append?item=%d", srv.URL, 10+i))
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Errorf("append %d: %s", i, resp.Status)
					}
				})
			}
			start.Done()
			done.Wait()
			data := c.stored()
			if v, ok := data["basket"]; ok {
				t.Errorf("basket still stored: %s", v)
			}
			var items []int64
			if err := json.Unmarshal([]byte(data["cart_items"]), &items); err != nil {
				t.Fatalf("cart_items %q: %v", data["cart_items"], err)
			}
			if len(items) != 3+n || !slices.Equal(items[:3], []int64{1, 2, 3}) {
				t.Fatalf("%d concurrent updates left cart_items = %v, want [1 2 3] and %d items", n, items, n)
			}
			rest := slices.Sorted(slices.Values(items[3:]))
			if len(slices.Compact(rest)) != n {
				t.Errorf("cart_items = %v, want %d distinct items after [1 2 3]", items, n)
			}
		})
	}
}

// barrier holds n goroutines until all have reached it.
type barrier struct {
	t    *testing.T
	wg   sync.WaitGroup
	done chan struct{}
}

// newBarrier returns a barrier for n goroutines.
func newBarrier(t *testing.T, n int) *barrier {
	b := &barrier{t: t, done: make(chan struct{})}
	b.wg.Add(n)
	go func() { b.wg.Wait(); close(b.done) }()
	return b
}

// wait returns when all the goroutines have called it, or after a few
// seconds, failing the test.
func (b *barrier) wait() {
	b.wg.Done()
	select {
	case <-b.done:
	case <-time.After(5 * time.Second):
		b.t.Error("not every request reached the barrier")
	}
}
