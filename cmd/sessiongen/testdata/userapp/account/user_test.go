package account_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"example.com/app/account"
	"example.com/app/apptest"
	"example.com/app/model"
	"github.com/sessiongen/sessiongen/runtime"
)

// TestNamedUser signs in with a named user id type through its text form,
// and reads it back.
func TestNamedUser(t *testing.T) {
	ctx := context.Background()
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			us := store.(runtime.UserStore)
			mux := http.NewServeMux()
			mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
				sess := account.From(r)
				sess.SetTheme("dark")
				n, _ := strconv.ParseInt(r.FormValue("n"), 10, 64)
				sess.SignIn(model.UserID{N: n})
			})
			mux.HandleFunc("/plant", func(w http.ResponseWriter, r *http.Request) {
				account.From(r).SetTheme("dark")
				runtime.FromRequest(r).SignIn("42")
			})
			mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
				id, ok := account.From(r).BoundUser()
				text, _ := runtime.FromRequest(r).BoundUser()
				fmt.Fprintf(w, "%d %v %s", id.N, ok, text)
			})
			url, c := apptest.Serve(t, store, mux), apptest.NewClient(t)
			apptest.Get(t, c, url+"/signin?n=5")
			if got := apptest.Body(t, c, url+"/whoami"); got != "5 true u-5" {
				t.Errorf("signed in as model.UserID{5}: %s", got)
			}
			// An id without a text form fails the sign-in's save.
			if resp, err := c.Get(url + "/signin?n=0"); err != nil || resp.StatusCode < 500 {
				t.Errorf("sign-in with the zero model.UserID: %v %v, want the error handler's response", resp.Status, err)
			}
			if got := apptest.Body(t, c, url+"/whoami"); got != "5 true u-5" {
				t.Errorf("after a failed sign-in: %s, want the earlier user", got)
			}
			if infos, err := account.UserSessions(ctx, us, model.UserID{N: 5}); err != nil || len(infos) != 1 || infos[0].UserID != "u-5" {
				t.Errorf("UserSessions(u-5) = %+v, %v", infos, err)
			}
			if _, err := account.UserSessions(ctx, us, model.UserID{}); err == nil {
				t.Error("UserSessions with the zero model.UserID: no error")
			}
			if _, err := account.DeleteUserSessions(ctx, us, model.UserID{}, runtime.TokenHash{}); err == nil {
				t.Error("DeleteUserSessions with the zero model.UserID: no error")
			}
			if deleted, err := account.DeleteUserSessions(ctx, us, model.UserID{N: 5}, runtime.TokenHash{}); err != nil || len(deleted) != 1 {
				t.Errorf("DeleteUserSessions(u-5) = %v, %v", deleted, err)
			}
			if got := apptest.Body(t, c, url+"/whoami"); got != "0 false " {
				t.Errorf("signed out everywhere: %s", got)
			}
			d := apptest.NewClient(t)
			apptest.Get(t, d, url+"/plant")
			if got := apptest.Body(t, d, url+"/whoami"); got != "0 false 42" {
				t.Errorf("an id that is not the text of a model.UserID: %s, want not bound", got)
			}
		})
	}
}
