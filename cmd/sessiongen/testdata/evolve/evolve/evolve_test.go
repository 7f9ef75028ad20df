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
	"net/url"
	"reflect"
	"slices"
	"testing"

	"example.com/app/after"
	"example.com/app/apptest"
	"example.com/app/before"
	"github.com/sessiongen/sessiongen/runtime"
)

// written is what /before/write stores.
var written = map[string]string{
	"basket": "[1,2,3]", "colour": `"blue"`, "notice": `"saved"`, "user_id": "7", "legacy": `"kept"`,
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
	base  string // the server's URL
	http  *http.Client
	store runtime.Store
}

// newClient returns a new browser of the server at base, over store.
func newClient(t *testing.T, base string, store runtime.Store) *client {
	return &client{t: t, base: base, http: apptest.NewClient(t), store: store}
}

// get requests path and returns the response, whose body is closed.
func (c *client) get(path string) *http.Response {
	c.t.Helper()
	return apptest.Get(c.t, c.http, c.base+path)
}

// stored returns the stored data of the client's session, each value as
// JSON text.
func (c *client) stored() map[string]string {
	c.t.Helper()
	u, _ := url.Parse(c.base)
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

// TestRenamedKeysKeepTheirValues writes a session through the old
// release's accessors, makes one request of the new release's, and checks
// what is stored then.
func TestRenamedKeysKeepTheirValues(t *testing.T) {
	tests := []struct {
		name    string
		path    string            // the new release's request
		changes map[string]string // to what the old release stored, as with takes them; nil for none, and no save
		then    string            // a request to make after, if any
	}{
		{"a read alone moves nothing", "/after/read", nil, ""},
		{"a save without a read moves nothing", "/after/visit", map[string]string{"visits": "1"}, ""},
		{"a save after a read moves what was read", "/after/read-and-visit", map[string]string{
			"basket": "", "cart_items": "[1,2,3]", "colour": "", "theme": `"blue"`, "visits": "2",
		}, "/after/read"}, // which reads the new names now
		{"a flash key renamed is read once", "/after/pop", map[string]string{"notice": ""}, ""},
		{"an update reads the former names and removes them", "/after/update", map[string]string{
			"basket": "", "cart_items": "[1,2,3,4]", "colour": "", "theme": `"blue-green"`,
			"notice": "", "flash_notice": `"saved!"`,
		}, ""},
		{"set and delete remove the former names", "/after/replace", map[string]string{
			"basket": "", "cart_items": "[9]", "colour": "",
		}, ""},
	}
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			base := apptest.Serve(t, store, routes(t))
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					c := newClient(t, base, store)
					c.get("/before/write")
					c.wantStored("written by the old release", written)
					if resp := c.get(tt.path); tt.changes == nil && len(resp.Cookies()) != 0 {
						t.Errorf("a read saved the session: %v", resp.Cookies())
					}
					c.wantStored("after "+tt.path, with(written, tt.changes))
					if tt.then != "" {
						c.get(tt.then)
					}
				})
			}
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
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			mux := routes(t)
			loaded := apptest.NewBarrier(t, n)
			mux.HandleFunc("/after/append", func(w http.ResponseWriter, r *http.Request) {
				var item int64
				fmt.Sscan(r.FormValue("item"), &item)
				after.From(r).UpdateCartItems(func(v []int64) []int64 { return append(v, item) })
				loaded.Wait() // every request read basket before any saves
			})
			c := newClient(t, apptest.Serve(t, store, mux), store)
			c.get("/before/write")
			apptest.Concurrently(n, func(i int) {
				if _, err := apptest.TryGet(c.http, fmt.Sprintf("%s/after/append?item=%d", c.base, 10+i)); err != nil {
					t.Error(err)
				}
			})
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
