package session_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"example.com/app/apptest"
	"example.com/app/model"
	"example.com/app/session"
	"github.com/sessiongen/sessiongen/runtime"
)

// sameJSON reports whether a and b encode the same JSON value.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// updateServer serves the routes of one update test over store, and
// returns a client that keeps the session's cookie, and the server's URL.
func updateServer(t *testing.T, store runtime.Store, routes map[string]http.HandlerFunc) (*http.Client, string) {
	t.Helper()
	mux := http.NewServeMux()
	for path, h := range routes {
		mux.HandleFunc(path, h)
	}
	return apptest.NewClient(t), apptest.Serve(t, store, mux)
}

// TestUpdateAbsent checks what fn receives for keys the session does not
// hold: the zero value, or the default, a new copy of a composite one on
// each call, and that the result is stored.
func TestUpdateAbsent(t *testing.T) {
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			c, url := updateServer(t, store, map[string]http.HandlerFunc{
				"/update": func(w http.ResponseWriter, r *http.Request) {
					sess := session.From(r)
					sess.UpdateCartItems(func(v []int64) []int64 {
						if v != nil {
							t.Errorf("UpdateCartItems: fn got %v, want the zero value", v)
						}
						return append(v, 7)
					})
					sess.UpdateVisits(func(v int) int { return v + 1 })
					sess.UpdateTheme(func(v string) string { return v + "-ish" })
					sess.UpdatePageSize(func(v uint8) uint8 { return v + 1 })
					sess.UpdateTimeout(func(v time.Duration) time.Duration { return v * 2 })
					for range 2 {
						sess.UpdateTags(func(v []string) []string {
							if !reflect.DeepEqual(v, []string{"new", "sale"}) {
								t.Errorf("UpdateTags: fn got %q, want a new copy of the default", v)
							}
							v[0] = "changed" // must not reach the next default
							return v
						})
						sess.DeleteTags()
					}
					sess.UpdateLimits(func(v map[string][]int) map[string][]int {
						v["a"][0] = 100
						return v
					})
					sess.UpdateNotice(func(v string) string { return v + "one" })
					sess.UpdateNotice(func(v string) string { return v + ",two" })
				},
				"/check": func(w http.ResponseWriter, r *http.Request) {
					sess := session.From(r)
					if v, ok := sess.LookupCartItems(); !ok || !reflect.DeepEqual(v, []int64{7}) {
						t.Errorf("LookupCartItems() = %v, %v, want [7], true", v, ok)
					}
					if v, ok := sess.LookupVisits(); !ok || v != 1 {
						t.Errorf("LookupVisits() = %v, %v, want 1, true", v, ok)
					}
					if v, ok := sess.LookupTheme(); !ok || v != "light-ish" {
						t.Errorf("LookupTheme() = %q, %v, want light-ish, true", v, ok)
					}
					if v := sess.PageSize(); v != 21 {
						t.Errorf("PageSize() = %d, want 21", v)
					}
					if v := sess.Timeout(); v != 3*time.Minute {
						t.Errorf("Timeout() = %v, want 3m", v)
					}
					if _, ok := sess.LookupTags(); ok {
						t.Error("LookupTags() reports a value after DeleteTags")
					}
					if v := sess.Limits(); !reflect.DeepEqual(v, map[string][]int{"a": {100, 2}, "b": {}}) {
						t.Errorf("Limits() = %v", v)
					}
					if v := sess.Tags(); !reflect.DeepEqual(v, []string{"new", "sale"}) {
						t.Errorf("Tags() = %q: an update changed the default", v)
					}
					if v, ok := sess.PopNotice(); !ok || v != "one,two" {
						t.Errorf("PopNotice() = %q, %v, want one,two, true", v, ok)
					}
				},
			})
			apptest.Get(t, c, url+"/update")
			apptest.Get(t, c, url+"/check")
		})
	}
}

// TestUpdateSet checks that fn receives the value the session holds, that
// changing fn's argument or result reaches the session only through what
// fn returns, and that nothing reaches the store before the save.
func TestUpdateSet(t *testing.T) {
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			c, url := updateServer(t, store, map[string]http.HandlerFunc{
				"/set": func(w http.ResponseWriter, r *http.Request) {
					set(session.From(r), want)
				},
				"/update": func(w http.ResponseWriter, r *http.Request) {
					sess := session.From(r)
					var arg, result []int64
					sess.UpdateCartItems(func(v []int64) []int64 {
						if !reflect.DeepEqual(v, want.CartItems) {
							t.Errorf("UpdateCartItems: fn got %v, want %v", v, want.CartItems)
						}
						arg, result = v, append(slices.Clone(v), 4)
						v[0] = 100 // the argument is fn's own
						return result
					})
					arg[1], result[1] = 200, 300 // after the update: reaches nothing
					if got := sess.CartItems(); !reflect.DeepEqual(got, []int64{1, 2, 3, 4}) {
						t.Errorf("CartItems() after the update = %v, want [1 2 3 4]", got)
					}
					sess.UpdateGroups(func(v map[string][]string) map[string][]string {
						v["admins"][0] = "mallory"
						v["new"] = []string{"x"}
						return v
					})
					sess.UpdatePrefs(func(v model.Prefs) model.Prefs {
						if !reflect.DeepEqual(v, want.Prefs) {
							t.Errorf("UpdatePrefs: fn got %+v, want %+v", v, want.Prefs)
						}
						v.Langs = append(v.Langs, "it")
						return v
					})
					sess.UpdateTheme(func(v string) string { return v + "er" })
					sess.UpdateVisits(func(v int) int { return v + 1 })
					// Until the save, the store holds what it held.
					h, _ := runtime.FromRequest(r).Hash()
					if rec, err := store.Load(r.Context(), h); err != nil {
						t.Error(err)
					} else if got := rec.Data["cart_items"]; !sameJSON(got, []byte("[1,2,3]")) {
						t.Errorf("stored cart_items before the save = %s, want [1,2,3]", got)
					}
				},
				"/check": func(w http.ResponseWriter, r *http.Request) {
					sess := session.From(r)
					wantNow := want
					wantNow.CartItems = []int64{1, 2, 3, 4}
					wantNow.Groups = map[string][]string{"admins": {"mallory"}, "none": {}, "new": {"x"}}
					wantNow.Prefs.Langs = []string{"en", "fr", "it"}
					wantNow.Theme = "darker"
					wantNow.Visits = 43
					if got := get(sess); !reflect.DeepEqual(got, wantNow) {
						t.Errorf("read back\n%+v\nwant\n%+v", got, wantNow)
					}
				},
			})
			apptest.Get(t, c, url+"/set")
			apptest.Get(t, c, url+"/update")
			apptest.Get(t, c, url+"/check")
		})
	}
}

// TestUpdateConcurrentRequests sends many requests on one session at once,
// each appending one item to cart_items and counting itself in visits
// through the update methods, and holds each until all have read the
// session: the save's compare-and-set keeps every change. On a store that ignores runtime.Change.Expect, concurrent saves
// overwrite each other and this test fails.
func TestUpdateConcurrentRequests(t *testing.T) {
	const n = 50
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			loaded := apptest.NewBarrier(t, n)
			c, url := updateServer(t, store, map[string]http.HandlerFunc{
				"/start": func(w http.ResponseWriter, r *http.Request) {
					session.From(r).SetName("concurrent")
				},
				"/append": func(w http.ResponseWriter, r *http.Request) {
					sess := session.From(r)
					var item int64
					fmt.Sscan(r.FormValue("item"), &item)
					sess.UpdateCartItems(func(v []int64) []int64 { return append(v, item) })
					sess.UpdateVisits(func(v int) int { return v + 1 })
					loaded.Wait() // every request read the session before any saves
				},
				"/check": func(w http.ResponseWriter, r *http.Request) {
					sess := session.From(r)
					items := sess.CartItems()
					slices.Sort(items)
					if len(items) != n || len(slices.Compact(items)) != n {
						t.Errorf("%d concurrent updates left %d items: %v", n, len(items), items)
					}
					if v := sess.Visits(); v != n {
						t.Errorf("%d concurrent updates left visits = %d", n, v)
					}
					if v := sess.Name(); v != "concurrent" {
						t.Errorf("Name() = %q: the other key changed", v)
					}
				},
			})
			apptest.Get(t, c, url+"/start")
			apptest.Concurrently(n, func(i int) {
				if _, err := apptest.TryGet(c, fmt.Sprintf("%s/append?item=%d", url, i)); err != nil {
					t.Error(err)
				}
			})
			apptest.Get(t, c, url+"/check")
		})
	}
}
