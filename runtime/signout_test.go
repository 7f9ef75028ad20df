package runtime_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// signOutServer serves mux through a Manager over e's store, inside a
// recovering middleware that turns a handler's panic into a 500, as many
// routers do. Each request's end, the middleware's work included, is
// reported on the returned channel.
func signOutServer(e *env, mux http.Handler, opts ...runtime.Option) (*httptest.Server, <-chan struct{}) {
	mgr := newManager(e.t, e.store, append([]runtime.Option{runtime.WithLogger(slogTo(e.logs))}, opts...)...)
	done := make(chan struct{}, 16)
	h := mgr.Middleware(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		defer func() {
			if p := recover(); p != nil {
				http.Error(w, "recovered", http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	}))
	e.t.Cleanup(srv.Close)
	return srv, done
}

// waitDone waits for one request to end on the server.
func waitDone(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not end")
	}
}

// TestSignOutSurvivesDisconnect has the client give up after the handler
// called Flush but before the response: the request's context is
// cancelled, and the sign-out is written all the same.
func TestSignOutSurvivesDisconnect(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newStoreEnv(t, kind)
		flushed := make(chan struct{})
		mux := routesWith("/flush-then-wait", func(w http.ResponseWriter, r *http.Request) {
			runtime.FromRequest(r).Flush()
			close(flushed)
			<-r.Context().Done() // the client is gone
			io.WriteString(w, "signed out")
		})
		srv, done := signOutServer(e, mux)
		rc := &rawClient{t: t, url: srv.URL, c: srv.Client()}
		token := rc.newSessionWith("/set?k=user&v=alice")
		waitDone(t, done)

		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/flush-then-wait", nil)
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
		errc := make(chan error, 1)
		go func() {
			resp, err := srv.Client().Do(req)
			if err == nil {
				resp.Body.Close()
			}
			errc <- err
		}()
		<-flushed
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("the client did not give up: %v", err)
		}
		waitDone(t, done)
		if rec, err := e.stored(token); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("the client disconnected after Flush and the session is still there: %v %s", err, rec.Data)
		}
	})
}

// TestSignOutSurvivesPanic has the handler panic after Flush, with a
// recovering middleware outside the session middleware: the sign-out is
// written, the 500 expires the cookie, and the panic reached the
// recovering middleware.
func TestSignOutSurvivesPanic(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newStoreEnv(t, kind)
		mux := routes()
		mux.HandleFunc("/flush-then-panic", func(w http.ResponseWriter, r *http.Request) {
			runtime.FromRequest(r).Flush()
			panic("boom after sign-out")
		})
		mux.HandleFunc("/set-then-panic", func(w http.ResponseWriter, r *http.Request) {
			runtime.Set(runtime.FromRequest(r), "k", "lost")
			panic("boom after a write")
		})
		srv, done := signOutServer(e, mux)
		rc := &rawClient{t: t, url: srv.URL, c: srv.Client()}
		token := rc.newSessionWith("/set?k=user&v=alice")
		waitDone(t, done)

		r := rc.send("/set-then-panic", token)
		waitDone(t, done)
		if r.status != http.StatusInternalServerError || r.body != "recovered\n" || r.cookie != nil {
			t.Errorf("write then panic: %d %q, cookie %v; want the recovering middleware's 500 and no cookie", r.status, r.body, r.cookie)
		}
		if rec, err := e.stored(token); err != nil || rec.Data["k"] != nil {
			t.Fatalf("write then panic: the 5xx saved the write or lost the session: %v %s", err, rec.Data)
		}

		r = rc.send("/flush-then-panic", token)
		waitDone(t, done)
		if r.status != http.StatusInternalServerError || r.body != "recovered\n" {
			t.Errorf("flush then panic: %d %q; want the recovering middleware's 500", r.status, r.body)
		}
		if r.cookie == nil || r.cookie.MaxAge != -1 {
			t.Errorf("flush then panic: cookie %v, want it expired", r.cookie)
		}
		if rec, err := e.stored(token); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("the handler panicked after Flush and the session is still there: %v %s", err, rec.Data)
		}
	})
}

// TestLateFlushIsWrittenAndLogged flushes after the first byte of the
// response: the session is deleted, and the cookie that could not be
// expired is logged.
func TestLateFlushIsWrittenAndLogged(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, routesWith("/flush-late", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "written first")
			runtime.FromRequest(r).Flush()
		}))
		e.get("/set?k=user&v=alice")
		token := e.token()
		if _, body := e.get("/set-late?k=k&v=late"); body != "written first" || e.logs.String() != "" {
			t.Fatalf("a late change that needs no new cookie: %q, logs:\n%s", body, e.logs)
		}
		if rec, err := e.stored(token); err != nil || string(rec.Data["k"]) != `"late"` {
			t.Fatalf("a late change that needs no new cookie was not saved: %v %s", err, rec.Data)
		}
		resp, body := e.get("/flush-late")
		if resp.StatusCode != http.StatusOK || body != "written first" {
			t.Errorf("late flush: %d %q", resp.StatusCode, body)
		}
		if rec, err := e.stored(token); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("a Flush after the first byte left the session: %v %s", err, rec.Data)
		}
		if !strings.Contains(e.logs.String(), "session ended after the response was written") {
			t.Errorf("late flush not logged; logs:\n%s", e.logs)
		}
	})
}
