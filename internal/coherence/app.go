package coherence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// View is what a response says of the session, as its handler saw it.
type View struct {
	Found   bool   `json:"found"`   // the session holds data
	ID      string `json:"id"`      // names the session, across cycles
	A       int    `json:"a"`       // a counter written with Get and Set
	B       int    `json:"b"`       // a counter written with Update
	K       int    `json:"k"`       // the key /set writes that the request names
	Deleted int64  `json:"deleted"` // sessions a sign-out everywhere ended
}

// Handler returns an instance's handlers, over store, the instance's
// store, for "sign out everywhere". Each write derives its value from what
// it read, as a cart does: a stale read makes it undo an acknowledged
// write. Every handler answers with the session's View as JSON.
//
//	GET  /get                 the session
//	POST /inc?id=             a = a+1 with Get and Set; names a new session id
//	POST /upd?id=             b = b+1 with Update; names a new session id
//	POST /set?id=&k=&v=       sets the key k (a key of its own for each writer) to v, when the session is id
//	POST /cycle               CycleKey
//	POST /signin?user=        SignIn
//	POST /flush               Flush
//	POST /signout-everywhere  deletes every session of the bound user
func Handler(store runtime.UserStore) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /inc", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		a, _ := runtime.Get[int](sess, "a")
		runtime.Set(sess, "a", a+1)
		name(sess, r)
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /upd", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		runtime.Update(sess, "b", func(b int, _ bool) int { return b + 1 })
		name(sess, r)
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /set", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		if id, _ := runtime.Get[string](sess, "id"); id == r.FormValue("id") {
			var v int
			fmt.Sscan(r.FormValue("v"), &v)
			runtime.Set(sess, keyPrefix+r.FormValue("k"), v)
		}
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /cycle", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).CycleKey()
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /signin", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).SignIn(r.FormValue("user"))
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /flush", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).Flush()
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /signout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		user, ok := runtime.FromRequest(r).BoundUser()
		if !ok {
			http.Error(w, "not signed in", http.StatusBadRequest)
			return
		}
		deleted, err := store.DeleteUserSessions(r.Context(), user, runtime.TokenHash{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		writeView(w, r, int64(len(deleted)))
	})
	return mux
}

// keyPrefix begins the names of the keys /set writes.
const keyPrefix = "k:"

// name gives a new session the id its creator chose.
func name(sess *runtime.Session, r *http.Request) {
	if !runtime.Has(sess, "id") {
		runtime.Set(sess, "id", r.FormValue("id"))
	}
}

// writeView answers with the session as the handler sees it.
func writeView(w http.ResponseWriter, r *http.Request, deleted int64) {
	sess := runtime.FromRequest(r)
	id, found := runtime.Get[string](sess, "id")
	a, _ := runtime.Get[int](sess, "a")
	b, _ := runtime.Get[int](sess, "b")
	v := View{Found: found, ID: id, A: a, B: b, Deleted: deleted}
	if k := r.FormValue("k"); k != "" {
		v.K, _ = runtime.Get[int](sess, keyPrefix+k)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Decode returns the View of data, a session's stored data as Handler
// wrote it, and the keys /set wrote, by name, with their values.
func Decode(data map[string]json.RawMessage) (View, map[string]int, error) {
	var v View
	keys := map[string]int{}
	for k, raw := range data {
		var dst any
		switch k {
		case "id":
			dst = &v.ID
		case "a":
			dst = &v.A
		case "b":
			dst = &v.B
		default:
			name, ok := strings.CutPrefix(k, keyPrefix)
			if !ok || name == "" {
				continue
			}
			var n int
			if err := json.Unmarshal(raw, &n); err != nil {
				return View{}, nil, fmt.Errorf("coherence: key %q: %w", k, err)
			}
			keys[name] = n
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return View{}, nil, fmt.Errorf("coherence: key %q: %w", k, err)
		}
	}
	v.Found = v.ID != ""
	return v, keys, nil
}

// Reply is a response: the handler's view, and the session cookie it set,
// if any ("" with Gone set when it expired the cookie).
type Reply struct {
	View
	Token string
	Gone  bool
}

// Do sends a request with the session token (none when "") through client
// to the instance at url, and returns its reply; a status other than 200
// is an error.
func Do(ctx context.Context, client *http.Client, url, method, path, token string) (Reply, error) {
	req, err := http.NewRequestWithContext(ctx, method, url+path, nil)
	if err != nil {
		return Reply{}, err
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
	}
	resp, err := client.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Reply{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Reply{}, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(body))
	}
	var rep Reply
	if err := json.Unmarshal(body, &rep.View); err != nil {
		return Reply{}, fmt.Errorf("%s %s: %w: %s", method, path, err, body)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == runtime.DefaultCookieName {
			rep.Token, rep.Gone = ck.Value, ck.MaxAge < 0
		}
	}
	return rep, nil
}

// Lookup returns the session under token as find (a store's Load or
// FindSession, behind every instance's back) returns it, decoded as Decode
// does, and whether there is one. Anything but runtime.ErrNotFound fails t.
func Lookup(t testing.TB, token string, find func(context.Context, runtime.TokenHash) (runtime.Record, error)) (View, map[string]int, bool) {
	t.Helper()
	h, ok := runtime.HashToken(token)
	if !ok {
		t.Fatalf("a token of the wrong shape: %q", token)
	}
	rec, err := find(context.Background(), h)
	if errors.Is(err, runtime.ErrNotFound) {
		return View{}, nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	v, keys, err := Decode(rec.Data)
	if err != nil {
		t.Fatal(err)
	}
	return v, keys, true
}
