package runtime_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// TestMaxSessionsPerUser signs one user in from three browsers with a
// bound of two sessions: the third sign-in ends the session of the browser
// that saved it least recently, whose next request finds no session, and
// leaves the others signed in. The first two sign in from a fresh
// browser (Create, then the bind) and the third from a browser that has a
// session already (Cycle).
func TestMaxSessionsPerUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		mux := routesWith("/signin", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			runtime.Set(s, "cart", r.FormValue("cart")) // an empty session is not kept
			s.SignIn("alice")
		})
		mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
			u, _ := runtime.FromRequest(r).BoundUser()
			io.WriteString(w, u)
		})
		e := newEnv(t, kind, mux, runtime.WithMaxSessionsPerUser(2))
		laptop, phone, tablet := e.newClient(), e.newClient(), e.newClient()
		signIn := func(c *http.Client, cart string) {
			t.Helper()
			if resp, body := e.do(c, http.MethodGet, "/signin?cart="+cart); resp.StatusCode != http.StatusOK {
				t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
			}
		}
		whoami := func(c *http.Client) string {
			t.Helper()
			_, body := e.do(c, http.MethodGet, "/whoami")
			return body
		}
		signIn(laptop, "laptop")
		signIn(phone, "phone")
		e.do(laptop, http.MethodGet, "/set?k=seen&v=1") // the phone's is now the least recently saved
		e.do(tablet, http.MethodGet, "/set?k=cart&v=tablet")
		signIn(tablet, "tablet")

		if got := whoami(phone); got != "" {
			t.Errorf("the phone's session is bound to %q after the third sign-in, want it ended", got)
		}
		if _, body := e.do(phone, http.MethodGet, "/get?k=cart"); body != "<none>" {
			t.Errorf("the phone's cart reads %q, want the session gone", body)
		}
		for name, c := range map[string]*http.Client{"laptop": laptop, "tablet": tablet} {
			if got := whoami(c); got != "alice" {
				t.Errorf("the %s's session is bound to %q, want alice", name, got)
			}
			if _, body := e.do(c, http.MethodGet, "/get?k=cart"); body != name {
				t.Errorf("the %s's cart reads %q", name, body)
			}
		}
		if us, ok := e.store.(runtime.UserStore); ok {
			infos, err := us.UserSessions(context.Background(), "alice")
			if err != nil || len(infos) != 2 {
				t.Errorf("UserSessions(alice) = %d sessions, %v; want 2", len(infos), err)
			}
		}
		if logs := e.logs.String(); !strings.Contains(logs, "sessions ended by the per-user session limit") || !strings.Contains(logs, "level=DEBUG") {
			t.Errorf("no Debug line for the ended session in the logs:\n%s", logs)
		}
	})
}

// unboundedStore is a store that refuses bounds on users' sessions, as
// redisstore does.
type unboundedStore struct{ runtime.Store }

func (s unboundedStore) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	if c.MaxUserSessions > 0 {
		return errors.ErrUnsupported
	}
	return s.Store.Update(ctx, h, c)
}

// TestMaxSessionsPerUserUnsupported signs in from a fresh browser over a
// store that cannot bound a user's sessions: the sign-in fails through
// the error handler, and leaves no session behind, bound or not.
func TestMaxSessionsPerUserUnsupported(t *testing.T) {
	t.Parallel()
	mem := memstore.New()
	e := newStoreEnv(t, "memstore")
	e.store = unboundedStore{mem}
	e.start(routesWith("/signin", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		runtime.Set(s, "cart", "tea")
		s.SignIn("alice")
	}), runtime.WithMaxSessionsPerUser(1))
	if resp, _ := e.get("/signin"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("sign-in over a store without the bound answered %d, want 503", resp.StatusCode)
	}
	if n := mem.Len(); n != 0 {
		t.Errorf("the failed sign-in left %d sessions", n)
	}
	if tok := e.token(); tok != "" {
		t.Errorf("the failed sign-in set a cookie")
	}
}
