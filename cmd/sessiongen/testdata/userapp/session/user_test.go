package session_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"example.com/app/apptest"
	"example.com/app/session"
	"github.com/sessiongen/sessiongen/runtime"
)

// TestTypedUser signs in with int64 ids through the generated SignIn,
// reads them back typed, lists and deletes a user's sessions through the
// generated UserSessions and DeleteUserSessions, and reads a stored id that
// does not parse as an int64 as not bound, logged once per session.
func TestTypedUser(t *testing.T) {
	ctx := context.Background()
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			us, ok := store.(runtime.UserStore)
			if !ok {
				t.Fatalf("%T is not a runtime.UserStore", store)
			}
			mux := http.NewServeMux()
			mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
				sess := session.From(r)
				sess.SetCart([]int64{1})
				var id int64
				fmt.Sscan(r.FormValue("id"), &id)
				sess.SignIn(id)
			})
			mux.HandleFunc("/plant", func(w http.ResponseWriter, r *http.Request) {
				session.From(r).SetCart([]int64{2})
				runtime.FromRequest(r).SignIn("not-a-number")
			})
			mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
				sess := session.From(r)
				for range 2 {
					id, ok := sess.BoundUser()
					fmt.Fprintf(w, "%d %v;", id, ok)
				}
			})
			mux.HandleFunc("/stored", func(w http.ResponseWriter, r *http.Request) {
				text, ok := runtime.FromRequest(r).BoundUser()
				fmt.Fprintf(w, "%q %v", text, ok)
			})
			mux.HandleFunc("/devices", func(w http.ResponseWriter, r *http.Request) {
				sess := session.From(r)
				id, _ := sess.BoundUser()
				infos, err := session.UserSessions(r.Context(), us, id)
				if err != nil {
					t.Error(err)
				}
				fmt.Fprint(w, len(infos))
			})
			mux.HandleFunc("/signout-others", func(w http.ResponseWriter, r *http.Request) {
				sess := session.From(r)
				id, _ := sess.BoundUser()
				keep, _ := sess.Hash()
				deleted, err := session.DeleteUserSessions(r.Context(), us, id, keep)
				if err != nil {
					t.Error(err)
				}
				fmt.Fprint(w, len(deleted))
			})
			logs := &apptest.LogBuffer{}
			url := apptest.Serve(t, store, mux, runtime.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
			a, b, c := apptest.NewClient(t), apptest.NewClient(t), apptest.NewClient(t)

			if got := apptest.Body(t, a, url+"/whoami"); got != "0 false;0 false;" {
				t.Errorf("before sign-in: BoundUser() = %s", got)
			}
			apptest.Body(t, a, url+"/signin?id=4200000000042")
			apptest.Body(t, b, url+"/signin?id=4200000000042")
			apptest.Body(t, c, url+"/signin?id=-7")
			if got := apptest.Body(t, a, url+"/whoami"); got != "4200000000042 true;4200000000042 true;" {
				t.Errorf("signed in as 4200000000042: BoundUser() = %s", got)
			}
			if got := apptest.Body(t, c, url+"/whoami"); got != "-7 true;-7 true;" {
				t.Errorf("signed in as -7: BoundUser() = %s", got)
			}
			if got := apptest.Body(t, a, url+"/stored"); got != `"4200000000042" true` {
				t.Errorf("the runtime keeps %s, want the id's decimal text", got)
			}
			if got := apptest.Body(t, a, url+"/devices"); got != "2" {
				t.Errorf("UserSessions of the signed-in user from a request: %s sessions, want 2", got)
			}
			infos, err := session.UserSessions(ctx, us, 4200000000042)
			if err != nil || len(infos) != 2 || infos[0].UserID != "4200000000042" {
				t.Errorf("UserSessions(4200000000042) = %+v, %v; want 2 sessions", infos, err)
			}
			if infos, err := session.UserSessions(ctx, us, 4200000000043); err != nil || len(infos) != 0 {
				t.Errorf("UserSessions of a user without sessions = %+v, %v", infos, err)
			}

			// Sign out a's other devices: b's session goes, a's stays.
			if got := apptest.Body(t, a, url+"/signout-others"); got != "1" {
				t.Errorf("DeleteUserSessions keeping the current session deleted %s, want 1", got)
			}
			if got := apptest.Body(t, b, url+"/whoami"); got != "0 false;0 false;" {
				t.Errorf("signed out by another device: BoundUser() = %s", got)
			}
			if got := apptest.Body(t, a, url+"/whoami"); got != "4200000000042 true;4200000000042 true;" {
				t.Errorf("the kept session: BoundUser() = %s", got)
			}
			// Sign -7 out everywhere.
			deleted, err := session.DeleteUserSessions(ctx, us, -7, runtime.TokenHash{})
			if err != nil || len(deleted) != 1 {
				t.Errorf("DeleteUserSessions(-7, none kept) = %v, %v; want 1 session", deleted, err)
			}
			if got := apptest.Body(t, c, url+"/whoami"); got != "0 false;0 false;" {
				t.Errorf("signed out everywhere: BoundUser() = %s", got)
			}
			if strings.Contains(logs.String(), "does not parse") {
				t.Errorf("ids that parse were logged:\n%s", logs)
			}

			// An id stored as text that is no int64 reads as not bound,
			// logged once per session, without the id.
			d := apptest.NewClient(t)
			apptest.Body(t, d, url+"/plant")
			if got := apptest.Body(t, d, url+"/stored"); got != `"not-a-number" true` {
				t.Errorf("planted id: the runtime reads %s", got)
			}
			if got := apptest.Body(t, d, url+"/whoami"); got != "0 false;0 false;" {
				t.Errorf("an id that does not parse: BoundUser() = %s, want not bound", got)
			}
			if n := strings.Count(logs.String(), "does not parse"); n != 1 {
				t.Errorf("an id that does not parse, read twice by one session, logged %d times, want once:\n%s", n, logs)
			}
			apptest.Body(t, d, url+"/whoami")
			if n := strings.Count(logs.String(), "does not parse"); n != 2 {
				t.Errorf("after a second session read it: logged %d times, want twice:\n%s", n, logs)
			}
			if !strings.Contains(logs.String(), "type=int64") || strings.Contains(logs.String(), "not-a-number") {
				t.Errorf("the log should name the type and not the id:\n%s", logs)
			}
			if got := apptest.Body(t, d, url+"/devices"); got != "0" {
				t.Errorf("UserSessions of a session not bound: %s", got)
			}
		})
	}
}
