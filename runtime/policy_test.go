package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/keyring"
)

// clock is a manager clock that a test moves forward.
type clock struct{ ahead atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.ahead.Load())) }
func (c *clock) advance(d time.Duration) { c.ahead.Add(int64(d)) }
func (c *clock) option() runtime.Option  { return runtime.WithClock(c.now) }
func testKey(b byte) []byte              { return bytes.Repeat([]byte{b}, keyring.KeySize) }
func testRing(t *testing.T, keys ...[]byte) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// policyOf reads the policy of a request: ttl=DURATION, enc=1.
func policyOf(r *http.Request) runtime.Policy {
	ttl, _ := time.ParseDuration(r.FormValue("ttl"))
	return runtime.Policy{TTL: ttl, Encrypted: r.FormValue("enc") == "1"}
}

// policyRoutes adds to routes the accessors of keys with a policy, as the
// generated ones call them: /p/set, /p/get, /p/update (appends v) and
// /p/pop, each with k, the policy's ttl and enc, and v; and /update
// (runtime.Update, appending v) and /has.
func policyRoutes() *http.ServeMux {
	mux := routes()
	mux.HandleFunc("/p/set", func(w http.ResponseWriter, r *http.Request) {
		runtime.SetWith(runtime.FromRequest(r), r.FormValue("k"), policyOf(r), r.FormValue("v"))
	})
	mux.HandleFunc("/p/get", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		for range 2 { // a value that does not open is logged once per request
			runtime.GetWith[string](s, r.FormValue("k"), policyOf(r))
		}
		v, ok := runtime.GetWith[string](s, r.FormValue("k"), policyOf(r))
		if !ok {
			v = "<none>"
		}
		io.WriteString(w, v)
	})
	mux.HandleFunc("/p/update", func(w http.ResponseWriter, r *http.Request) {
		runtime.UpdateWith(runtime.FromRequest(r), r.FormValue("k"), policyOf(r), func(v string, ok bool) string {
			if !ok {
				v = "<fresh>"
			}
			return v + r.FormValue("v")
		})
	})
	mux.HandleFunc("/p/pop", func(w http.ResponseWriter, r *http.Request) {
		v, ok := runtime.PopWith[string](runtime.FromRequest(r), r.FormValue("k"), policyOf(r))
		fmt.Fprintf(w, "%s %v", v, ok)
	})
	mux.HandleFunc("/update", func(w http.ResponseWriter, r *http.Request) {
		runtime.Update(runtime.FromRequest(r), r.FormValue("k"), func(v string, _ bool) string { return v + r.FormValue("v") })
	})
	mux.HandleFunc("/has", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, runtime.Has(runtime.FromRequest(r), r.FormValue("k")))
	})
	return mux
}

// TestTTLEndsTheValue sets a value with a ttl and moves the manager's clock
// on: the value reads until its deadline, reads as unset from then on, and
// the session's next save removes it with its deadline, while a read alone
// writes nothing.
func TestTTLEndsTheValue(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		var c clock
		e := newEnv(t, kind, policyRoutes(), c.option())
		e.get("/set?k=keep&v=kept")
		e.get("/p/set?k=otp&v=123456&ttl=10m")
		token := e.token()
		rec := e.load(token)
		var deadline time.Time
		if err := json.Unmarshal(rec.Data["_ttl.otp"], &deadline); err != nil || string(rec.Data["otp"]) != `"123456"` {
			t.Fatalf("stored %s: want otp and its deadline under _ttl.otp (%v)", rec.Data, err)
		}
		if d := deadline.Sub(c.now()); d < 9*time.Minute || d > 10*time.Minute {
			t.Errorf("the deadline is %v from now, want 10m", d)
		}

		c.advance(9 * time.Minute)
		_, body := e.get("/p/get?k=otp&ttl=10m")
		wantBody(t, "before the deadline", body, "123456")

		c.advance(time.Minute)
		for _, path := range []string{"/p/get?k=otp&ttl=10m", "/get?k=otp"} {
			_, body = e.get(path)
			wantBody(t, path+" at the deadline", body, "<none>")
		}
		_, body = e.get("/has?k=otp")
		wantBody(t, "Has at the deadline", body, "false")
		_, body = e.get("/p/pop?k=otp&ttl=10m")
		wantBody(t, "Pop at the deadline", body, " false")
		e.calls.Store(0)
		resp, _ := e.get("/get?k=otp")
		if c := sessionCookie(resp); c != nil || e.calls.Load() != 1 {
			t.Errorf("a read of an ended value: cookie %v, %d store calls; want none and 1", c, e.calls.Load())
		}
		if rec := e.load(token); rec.Data["otp"] == nil {
			t.Fatalf("a read alone removed the ended value: %s", rec.Data)
		}

		e.get("/set?k=other&v=x") // any save removes it
		rec = e.load(token)
		if rec.Data["otp"] != nil || rec.Data["_ttl.otp"] != nil || string(rec.Data["keep"]) != `"kept"` {
			t.Errorf("after a save: %s; want otp and _ttl.otp gone, keep kept", rec.Data)
		}
	})
}

// TestTTLRestartsAndStops checks that a write with a ttl starts it again,
// that a write without one keeps the value for good, and that a value
// written with a ttl still ends when read without one, as after the ttl is
// taken out of the schema.
func TestTTLRestartsAndStops(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		var c clock
		e := newEnv(t, kind, policyRoutes(), c.option())
		e.get("/p/set?k=step&v=1&ttl=10m")
		c.advance(8 * time.Minute)
		e.get("/p/update?k=step&v=2&ttl=10m") // restarts the ttl
		c.advance(8 * time.Minute)
		_, body := e.get("/p/get?k=step")
		wantBody(t, "16m after the set, 8m after the update", body, "12")

		c.advance(3 * time.Minute)
		_, body = e.get("/get?k=step") // read without the ttl: its deadline still holds
		wantBody(t, "after the update's deadline, read without a ttl", body, "<none>")
		e.get("/p/update?k=step&v=3&ttl=10m")
		_, body = e.get("/get?k=step")
		wantBody(t, "an update of an ended value", body, "<fresh>3")

		e.get("/set?k=step&v=forever") // without a ttl: no deadline
		rec := e.load(e.token())
		if rec.Data["_ttl.step"] != nil {
			t.Errorf("a write without a ttl left the deadline: %s", rec.Data)
		}
		c.advance(time.Hour)
		_, body = e.get("/get?k=step")
		wantBody(t, "a value written without a ttl, an hour on", body, "forever")

		// runtime.Update writes without a ttl too: the deadline goes with
		// the save.
		e.get("/p/set?k=n&v=1&ttl=1m")
		e.get("/update?k=n&v=2")
		rec = e.load(e.token())
		if rec.Data["_ttl.n"] != nil {
			t.Errorf("Update left the deadline of the value it replaced: %s", rec.Data)
		}
		e.get("/p/set?k=gone&v=x&ttl=1m")
		e.get("/del?k=gone")
		if rec = e.load(e.token()); rec.Data["_ttl.gone"] != nil || rec.Data["gone"] != nil {
			t.Errorf("Delete left the deadline: %s", rec.Data)
		}
	})
}

// TestTTLSweepKeepsConcurrentWrite holds a request that loaded a session
// whose value had ended while another request sets the key anew; the held
// request then saves: the new value and its deadline survive.
func TestTTLSweepKeepsConcurrentWrite(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		var c clock
		h := newHold()
		mux := policyRoutes()
		mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			runtime.Get[string](s, "otp") // loaded: otp has ended
			h.here()
			runtime.Set(s, "other", "x")
		})
		e := newEnv(t, kind, mux, c.option())
		e.get("/p/set?k=otp&v=old&ttl=1m")
		c.advance(2 * time.Minute)
		done := make(chan struct{})
		go func() {
			defer close(done)
			e.do(e.newClientWith(e.token()), http.MethodGet, "/slow")
		}()
		h.reached()
		e.get("/p/set?k=otp&v=new&ttl=1m")
		h.release()
		<-done
		rec := e.load(e.token())
		if string(rec.Data["otp"]) != `"new"` || rec.Data["_ttl.otp"] == nil || string(rec.Data["other"]) != `"x"` {
			t.Errorf("stored %s; want the concurrent otp, its deadline and other", rec.Data)
		}
		_, body := e.get("/p/get?k=otp")
		wantBody(t, "the concurrent value", body, "new")
	})
}

// newClientWith returns a client of e's server whose jar holds token.
func (e *env) newClientWith(token string) *http.Client {
	c := e.newClient()
	c.Jar.SetCookies(mustURL(e.t, e.srv.URL), []*http.Cookie{{Name: runtime.DefaultCookieName, Value: token, Path: "/"}})
	return c
}

// TestEncryptedRoundTrip stores encrypted values: the store holds a sealed
// string that shows nothing of the value, and the accessors read, update
// and pop it back.
func TestEncryptedRoundTrip(t *testing.T) {
	const secret = "tok_S3cr3t-of-the-user"
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, policyRoutes(), runtime.WithKeyRing(testRing(t, testKey(1))))
		e.get("/set?k=keep&v=1")
		e.get("/p/set?k=api_token&enc=1&v=" + secret)
		raw := e.load(e.token()).Data["api_token"]
		var text string
		if err := json.Unmarshal(raw, &text); err != nil || !strings.HasPrefix(text, "sealed1:") || strings.Contains(text, "S3cr3t") {
			t.Fatalf("stored %s: want a sealed string (%v)", raw, err)
		}
		_, body := e.get("/p/get?k=api_token&enc=1")
		wantBody(t, "read back", body, secret)
		e.get("/p/update?k=api_token&enc=1&v=-2")
		_, body = e.get("/p/get?k=api_token&enc=1")
		wantBody(t, "after an update", body, secret+"-2")
		_, body = e.get("/p/pop?k=api_token&enc=1")
		wantBody(t, "popped", body, secret+"-2 true")
		if _, ok := e.load(e.token()).Data["api_token"]; ok {
			t.Error("Pop left the value")
		}
		if strings.Contains(e.logs.String(), "S3cr3t") {
			t.Errorf("the logs show the value:\n%s", e.logs)
		}
	})
}

// TestEncryptedTTL combines both policies.
func TestEncryptedTTL(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		var c clock
		e := newEnv(t, kind, policyRoutes(), c.option(), runtime.WithKeyRing(testRing(t, testKey(1))))
		e.get("/p/set?k=otp&enc=1&ttl=5m&v=4242")
		_, body := e.get("/p/get?k=otp&enc=1&ttl=5m")
		wantBody(t, "before the deadline", body, "4242")
		c.advance(5 * time.Minute)
		_, body = e.get("/p/get?k=otp&enc=1&ttl=5m")
		wantBody(t, "after the deadline", body, "<none>")
	})
}

// TestKeyRotation writes under one ring and reads under the rotated one,
// with the new key first and the old one after it, as two instances during
// a rotation: old values open, new ones are sealed under the new key, which
// the old instance cannot open (so every instance must have a key before it
// is put first).
func TestKeyRotation(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		oldKey, newKey := testKey(1), testKey(2)
		old := newEnv(t, kind, policyRoutes(), runtime.WithKeyRing(testRing(t, oldKey)))
		old.get("/p/set?k=api_token&enc=1&v=before")
		token := old.token()

		rotated := &env{t: t, store: old.store, logs: old.logs, calls: old.calls}
		rotated.start(policyRoutes(), runtime.WithKeyRing(testRing(t, newKey, oldKey)))
		rotated.client = rotated.newClientWith(token)
		_, body := rotated.get("/p/get?k=api_token&enc=1")
		wantBody(t, "a value sealed under the old key, read by the rotated ring", body, "before")

		rotated.get("/p/set?k=api_token&enc=1&v=after")
		raw := rotated.load(token).Data["api_token"]
		var text string
		json.Unmarshal(raw, &text)
		if _, at, err := testRing(t, newKey).Open("api_token", text); err != nil || at != 0 {
			t.Errorf("a value written by the rotated ring does not open under the new key alone: %v", err)
		}
		_, body = old.get("/p/get?k=api_token&enc=1")
		wantBody(t, "the new value, read by a ring without the new key", body, "<none>")
	})
}

// TestValueThatDoesNotOpen plants values no key of the ring opens: sealed
// under another ring, sealed for another key (moved), in plaintext, and
// damaged. Each reads as unset, logged once per request with the key name
// and never the value, and stays in the store.
func TestValueThatDoesNotOpen(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		ring := testRing(t, testKey(1))
		e := newEnv(t, kind, policyRoutes(), runtime.WithKeyRing(ring))
		e.get("/p/set?k=api_token&enc=1&v=S3cr3t")
		token := e.token()
		h, _ := runtime.HashToken(token)
		moved := e.load(token).Data["api_token"]
		other := sealedJSON(testRing(t, testKey(9)), "otp", `"S3cr3t"`)
		plant := map[string]json.RawMessage{
			"otp":     other,              // sealed under a key the ring lacks
			"pin":     moved,              // api_token's value, moved to another key
			"plain":   []byte(`"S3cr3t"`), // stored before the key was encrypted
			"damaged": []byte(`"sealed1:AAAA"`),
		}
		err := e.store.Update(context.Background(), h, runtime.Change{Set: plant, ExpiresAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		for name := range plant {
			before := strings.Count(e.logs.String(), "key="+name+" ")
			_, body := e.get("/p/get?enc=1&k=" + name)
			wantBody(t, name, body, "<none>")
			if n := strings.Count(e.logs.String(), "key="+name+" ") - before; n != 1 {
				t.Errorf("%s: logged %d times in one request, want once:\n%s", name, n, e.logs)
			}
		}
		logs := e.logs.String()
		if !strings.Contains(logs, "does not open with the key ring") {
			t.Errorf("the logs do not say the values do not open:\n%s", logs)
		}
		for _, leak := range []string{"S3cr3t", string(other[1:20]), string(moved[10:30])} {
			if strings.Contains(logs, leak) {
				t.Errorf("the logs show %q:\n%s", leak, logs)
			}
		}
		rec := e.load(token)
		for name, want := range plant {
			if got := rec.Data[name]; len(got) == 0 {
				t.Errorf("%s was removed from the store; want it left as %s", name, want)
			}
		}
	})
}

// sealedJSON returns the stored form of the value v of key sealed under
// ring, as the runtime stores it.
func sealedJSON(ring *keyring.Ring, key, v string) json.RawMessage {
	b, _ := json.Marshal(ring.Seal(key, []byte(v)))
	return b
}

// TestEncryptedWithoutKeyRing uses an encrypted key on a manager without a
// key ring: the request fails with a 500 whose error wraps ErrNoKeyRing,
// and nothing is stored, in plaintext or otherwise.
func TestEncryptedWithoutKeyRing(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		var got atomic.Value
		e := newEnv(t, kind, policyRoutes(), runtime.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			got.Store(err)
			runtime.DefaultErrorHandler(w, r, err)
		}))
		for _, path := range []string{"/p/set?k=api_token&enc=1&v=S3cr3t", "/p/get?k=api_token&enc=1", "/p/update?k=api_token&enc=1&v=x"} {
			resp, _ := e.get(path)
			err, _ := got.Load().(error)
			if resp.StatusCode != http.StatusInternalServerError || !errors.Is(err, runtime.ErrNoKeyRing) {
				t.Errorf("%s: %d, error %v; want 500 and ErrNoKeyRing", path, resp.StatusCode, err)
			}
			if err != nil && !strings.Contains(err.Error(), `"api_token"`) {
				t.Errorf("the error does not name the key: %v", err)
			}
		}
		if e.token() != "" {
			t.Error("a session was stored")
		}
	})
}
