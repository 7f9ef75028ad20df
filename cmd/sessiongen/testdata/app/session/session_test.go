package session_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"example.com/app/apptest"
	"example.com/app/session"
	"github.com/sessiongen/sessiongen/runtime"
)

// checkFresh checks what a new session returns: defaults, zero values,
// and fresh copies of composite defaults.
func checkFresh(t *testing.T, sess *session.Session) {
	if got := sess.Theme(); got != "light" {
		t.Errorf("Theme() = %q, want the default light", got)
	}
	if got := sess.PageSize(); got != 20 {
		t.Errorf("PageSize() = %d, want the default 20", got)
	}
	if got := sess.Timeout(); got != 90*time.Second {
		t.Errorf("Timeout() = %v, want the default 90s", got)
	}
	tags := sess.Tags()
	tags[0] = "changed"
	if got := sess.Tags(); !reflect.DeepEqual(got, []string{"new", "sale"}) {
		t.Errorf("Tags() after changing a returned default = %q", got)
	}
	limits := sess.Limits()
	limits["a"][0] = 100
	limits["c"] = nil
	if got := sess.Limits(); !reflect.DeepEqual(got, map[string][]int{"a": {1, 2}, "b": {}}) {
		t.Errorf("Limits() after changing a returned default = %v", got)
	}
	if v, ok := sess.LookupTheme(); ok || v != "" {
		t.Errorf("LookupTheme() = %q, %v on a new session", v, ok)
	}
	if v, ok := sess.LookupCartItems(); ok || v != nil {
		t.Errorf("LookupCartItems() = %v, %v on a new session", v, ok)
	}
	if got := sess.UserID(); got != 0 {
		t.Errorf("UserID() = %d on a new session", got)
	}
	if !sess.IsEmpty() {
		t.Error("IsEmpty() = false on a new session")
	}
}

func TestRoundTrip(t *testing.T) {
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
				sess := session.From(r)
				checkFresh(t, sess)
				set(sess, want)
				sess.SetNotice("saved")
				items := want.CartItems
				items[0] = 99 // the session keeps its own copy
				defer func() { items[0] = 1 }()
				if err := sess.Err(); err != nil {
					t.Errorf("Err() = %v", err)
				}
			})
			mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
				sess := session.From(r)
				if got := get(sess); !reflect.DeepEqual(got, want) {
					t.Errorf("read back\n%+v\nwant\n%+v", got, want)
				}
				if v, ok := sess.LookupCartItems(); !ok || !reflect.DeepEqual(v, want.CartItems) {
					t.Errorf("LookupCartItems() = %v, %v", v, ok)
				}
				items := sess.CartItems()
				items[0] = 1000
				if got := sess.CartItems(); got[0] != want.CartItems[0] {
					t.Errorf("changing a returned slice changed the session: %v", got)
				}
				if v, ok := sess.PopNotice(); !ok || v != "saved" {
					t.Errorf("PopNotice() = %q, %v, want saved, true", v, ok)
				}
				if v, ok := sess.PopNotice(); ok || v != "" {
					t.Errorf("second PopNotice() = %q, %v, want the flash value gone", v, ok)
				}
				sess.DeleteTheme()
				if got := sess.Theme(); got != "light" {
					t.Errorf("Theme() after DeleteTheme() = %q, want the default", got)
				}
				if ctxSess, ok := session.FromContext(r.Context()); !ok || ctxSess.UserID() != want.UserID {
					t.Errorf("FromContext() = %v, %v", ctxSess, ok)
				}
			})
			url, c := apptest.Serve(t, store, mux), apptest.NewClient(t)
			apptest.Get(t, c, url+"/set")
			apptest.Get(t, c, url+"/get")
		})
	}
}

func TestKeys(t *testing.T) {
	keys := session.Keys()
	if len(keys) != 35 {
		t.Fatalf("Keys() has %d keys, want 35", len(keys))
	}
	first := runtime.KeyInfo{Name: "user_id", GoType: "int64", Doc: "ID of the signed-in user."}
	if keys[0] != first {
		t.Errorf("Keys()[0] = %+v, want %+v", keys[0], first)
	}
	byName := map[string]runtime.KeyInfo{}
	for _, k := range keys {
		byName[k.Name] = k
	}
	if k := byName["api_token"]; !k.Sensitive || k.Flash {
		t.Errorf("api_token: %+v", k)
	}
	if k := byName["notice"]; !k.Flash {
		t.Errorf("notice: %+v", k)
	}
	if k := byName["prefs_by_site"]; k.GoType != "map[string]example.com/app/model.Prefs" {
		t.Errorf("prefs_by_site: %+v", k)
	}
	keys[0].Name = "changed"
	if session.Keys()[0].Name != "user_id" {
		t.Error("Keys() returned a shared slice")
	}
}
