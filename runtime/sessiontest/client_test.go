package sessiontest_test

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/example/catalog"
	"github.com/sessiongen/sessiongen/example/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/sessiontest"
)

var tea = []catalog.CartLine{{ProductID: "tea", Quantity: 2}}

// TestSeedThenRead checks that what a Seed sets through the generated
// setters is stored, and read back typed by the generated getters.
func TestSeedThenRead(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		seed  func(s *session.Session)
		check func(t *testing.T, s *session.Session)
	}{
		{"cart", func(s *session.Session) { s.SetCart(tea) }, func(t *testing.T, s *session.Session) {
			if got := s.Cart(); !slices.Equal(got, tea) {
				t.Errorf("Cart() = %v, want %v", got, tea)
			}
		}},
		{"default until set", func(s *session.Session) { s.SetUserName("alice") }, func(t *testing.T, s *session.Session) {
			if got, ok := s.LookupTheme(); got != "" || ok || s.Theme() != "light" {
				t.Errorf("LookupTheme() = %q, %v; Theme() = %q: want unset, light", got, ok, s.Theme())
			}
		}},
		{"set over the default", func(s *session.Session) { s.SetTheme("dark") }, func(t *testing.T, s *session.Session) {
			if got := s.Theme(); got != "dark" {
				t.Errorf("Theme() = %q, want dark", got)
			}
		}},
		{"time", func(s *session.Session) { s.SetSignedInAt(at) }, func(t *testing.T, s *session.Session) {
			if got := s.SignedInAt(); !got.Equal(at) {
				t.Errorf("SignedInAt() = %v, want %v", got, at)
			}
		}},
		{"sign-in binds the user", func(s *session.Session) { s.SignIn("alice"); s.SetUserName("Alice") }, func(t *testing.T, s *session.Session) {
			if got, ok := s.BoundUser(); got != "alice" || !ok || s.UserName() != "Alice" {
				t.Errorf("BoundUser() = %q, %v; UserName() = %q: want alice, Alice", got, ok, s.UserName())
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sessiontest.New(t)
			c.Seed(func(r *http.Request) { tc.seed(session.From(r)) })
			if !c.Stored() {
				t.Fatal("after Seed, no session is stored under the client's cookie")
			}
			c.Read(func(r *http.Request) { tc.check(t, session.From(r)) })
		})
	}
}

// TestSeedRawValue checks that a key the schema does not declare can be
// seeded and read through runtime.Set and runtime.Get.
func TestSeedRawValue(t *testing.T) {
	c := sessiontest.New(t)
	c.Seed(func(r *http.Request) { runtime.Set(runtime.FromRequest(r), "score", 42) })
	c.Read(func(r *http.Request) {
		if got, ok := runtime.Get[int](runtime.FromRequest(r), "score"); got != 42 || !ok {
			t.Errorf("Get(score) = %d, %v, want 42", got, ok)
		}
	})
	if rec, ok := c.Record(); !ok || string(rec.Data["score"]) != "42" {
		t.Errorf("Record() = %s, %v, want 42 stored", rec.Data["score"], ok)
	}
}

// TestDoCarriesTheSession checks that Do sends the session's cookie, so
// the handler sees what Seed stored, and that what the handler stores is
// read back.
func TestDoCarriesTheSession(t *testing.T) {
	c := sessiontest.New(t)
	c.Seed(func(r *http.Request) { session.From(r).SetCart(tea) })
	token := c.Token()
	add := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		sess.SetCart(catalog.Add(sess.Cart(), r.PathValue("id")))
		fmt.Fprint(w, catalog.Count(sess.Cart()))
	})
	req := httptest.NewRequest(http.MethodPost, "/cart/mug", nil)
	req.SetPathValue("id", "mug")
	resp := c.Do(add, req)
	if body, _ := io.ReadAll(resp.Body); string(body) != "3" {
		t.Errorf("body %q, want 3: the handler did not see the seeded cart", body)
	}
	if _, err := req.Cookie(runtime.DefaultCookieName); err == nil {
		t.Error("Do added the cookie to the test's own request, not to a copy")
	}
	want := append(slices.Clone(tea), catalog.CartLine{ProductID: "mug", Quantity: 1})
	c.Read(func(r *http.Request) {
		if got := session.From(r).Cart(); !slices.Equal(got, want) {
			t.Errorf("Cart() = %v, want %v", got, want)
		}
	})
	if c.Token() != token || c.Flushed() || c.Cycled() {
		t.Errorf("an update changed the token (%v), or reports a flush (%v) or a cycle (%v)", c.Token() != token, c.Flushed(), c.Cycled())
	}
	rec, ok := c.Record()
	if !ok || string(rec.Data["cart"]) != `[{"product_id":"tea","quantity":2},{"product_id":"mug","quantity":1}]` {
		t.Errorf("Record() = %s, %v", rec.Data["cart"], ok)
	}
}

// popNotice is a page that shows the one-time notice.
var popNotice = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	notice, _ := session.From(r).PopNotice()
	fmt.Fprint(w, notice)
})

// TestReadLeavesFlashes checks that PopNotice in Read leaves the notice
// stored, and that the next real request consumes it.
func TestReadLeavesFlashes(t *testing.T) {
	c := sessiontest.New(t)
	c.Seed(func(r *http.Request) { session.From(r).SetNotice("Saved.") })
	for i := range 2 {
		c.Read(func(r *http.Request) {
			if got, ok := session.From(r).PopNotice(); got != "Saved." || !ok {
				t.Errorf("Read %d: PopNotice() = %q, %v, want Saved.", i, got, ok)
			}
		})
	}
	for i, want := range []string{"Saved.", ""} {
		resp := c.Do(popNotice, httptest.NewRequest(http.MethodGet, "/", nil))
		if body, _ := io.ReadAll(resp.Body); string(body) != want {
			t.Errorf("request %d shows notice %q, want %q", i, body, want)
		}
	}
	c.Read(func(r *http.Request) {
		if got, ok := session.From(r).PopNotice(); ok {
			t.Errorf("after a request showed it, PopNotice() = %q, true", got)
		}
	})
}

// TestReadChangesNothing checks that what Read's function sets, cycles or
// flushes is dropped.
func TestReadChangesNothing(t *testing.T) {
	c := sessiontest.New(t)
	c.Seed(func(r *http.Request) { session.From(r).SetCart(tea) })
	token := c.Token()
	for name, change := range map[string]func(s *session.Session){
		"set":   func(s *session.Session) { s.SetCart(nil); s.SetTheme("dark") },
		"cycle": func(s *session.Session) { s.SignIn("mallory") },
		"flush": func(s *session.Session) { s.Flush() },
	} {
		c.Read(func(r *http.Request) { change(session.From(r)) })
		if c.Token() != token || !c.Live(token) {
			t.Fatalf("%s in Read changed the client's token, or ended its session", name)
		}
		c.Read(func(r *http.Request) {
			s := session.From(r)
			user, _ := s.BoundUser()
			if !slices.Equal(s.Cart(), tea) || s.Theme() != "light" || user != "" {
				t.Errorf("after %s in Read: cart %v, theme %q, user %q: want the seeded session", name, s.Cart(), s.Theme(), user)
			}
		})
	}
}

// TestFlush checks that a sign-out is reported, kills the old token, and
// drops the data; a notice set after the Flush lives in a new session.
func TestFlush(t *testing.T) {
	for _, tc := range []struct {
		name     string
		after    func(s *session.Session) // after the Flush
		newToken bool
	}{
		{"alone", func(*session.Session) {}, false},
		{"then a notice", func(s *session.Session) { s.SetNotice("You are signed out.") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sessiontest.New(t)
			c.Seed(func(r *http.Request) { s := session.From(r); s.SignIn("alice"); s.SetCart(tea) })
			old := c.Token()
			c.Do(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				s.Flush()
				tc.after(s)
				http.Redirect(w, r, "/", http.StatusSeeOther)
			}), httptest.NewRequest(http.MethodPost, "/signout", nil))
			if !c.Flushed() || c.Cycled() {
				t.Errorf("Flushed() = %v, Cycled() = %v, want true, false", c.Flushed(), c.Cycled())
			}
			if c.Live(old) {
				t.Error("the signed-out token still names a session")
			}
			if got := c.Token(); (got != "") != tc.newToken || got == old {
				t.Errorf("Token() = %q after the sign-out; want a new one: %v", got, tc.newToken)
			}
			if c.Stored() != tc.newToken {
				t.Errorf("Stored() = %v, want %v", c.Stored(), tc.newToken)
			}
			c.Read(func(r *http.Request) {
				s := session.From(r)
				if user, ok := s.BoundUser(); ok || s.Cart() != nil {
					t.Errorf("after the sign-out: user %q, cart %v", user, s.Cart())
				}
			})
			// The next request reports what it did itself.
			c.Do(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				session.From(r).SetTheme("dark")
			}), httptest.NewRequest(http.MethodGet, "/", nil))
			if c.Flushed() {
				t.Error("Flushed() still true after the next request")
			}
		})
	}
}

// TestSignIn checks that a sign-in is reported as a cycle: a new token,
// the old one dead, the data kept, the user bound.
func TestSignIn(t *testing.T) {
	c := sessiontest.New(t)
	c.Seed(func(r *http.Request) { session.From(r).SetCart(tea) })
	old := c.Token()
	c.Do(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.SignIn("alice")
		s.SetUserName("alice")
	}), httptest.NewRequest(http.MethodPost, "/signin", nil))
	if !c.Cycled() || c.Flushed() {
		t.Errorf("Cycled() = %v, Flushed() = %v, want true, false", c.Cycled(), c.Flushed())
	}
	if c.Token() == old || c.Live(old) || !c.Stored() {
		t.Errorf("after SignIn: token changed %v, old token live %v, new one stored %v", c.Token() != old, c.Live(old), c.Stored())
	}
	c.Read(func(r *http.Request) {
		s := session.From(r)
		if user, _ := s.BoundUser(); user != "alice" || !slices.Equal(s.Cart(), tea) {
			t.Errorf("after SignIn: user %q, cart %v; want alice and the cart kept", user, s.Cart())
		}
	})
	if rec, _ := c.Record(); rec.UserID != "alice" {
		t.Errorf("stored user %q, want alice", rec.UserID)
	}
}

// TestSaveFails checks that a save that fails is an error of Try, with
// the error handler's response, and fails the test in Do and Seed, while
// the stored session stays as it was.
func TestSaveFails(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []runtime.Option
		set  func(s *runtime.Session)
		want error
	}{
		{"NaN", nil, func(s *runtime.Session) { runtime.Set(s, "score", math.NaN()) }, runtime.ErrInvalidValue},
		{"NUL", nil, func(s *runtime.Session) { runtime.Set(s, "name", "a\x00b") }, runtime.ErrInvalidValue},
		{"too large", []runtime.Option{runtime.WithMaxSize(100)}, func(s *runtime.Session) {
			runtime.Set(s, "blob", strings.Repeat("x", 200))
		}, runtime.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sessiontest.New(t, tc.opts...)
			c.Seed(func(r *http.Request) { session.From(r).SetCart(tea) })
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.set(runtime.FromRequest(r))
				fmt.Fprint(w, "saved")
			})
			resp, err := c.Try(h, httptest.NewRequest(http.MethodPost, "/", nil))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Try: error %v, want one wrapping %v", err, tc.want)
			}
			if resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("Try: status %d, want the error handler's 500", resp.StatusCode)
			}
			c.Read(func(r *http.Request) {
				if got := session.From(r).Cart(); !slices.Equal(got, tea) {
					t.Errorf("after the failed save, cart %v, want %v", got, tea)
				}
			})

			msg := fatal(t, func(tb sessiontest.TB) {
				c := sessiontest.New(tb, tc.opts...)
				c.Do(h, httptest.NewRequest(http.MethodPost, "/score", nil))
			})
			if !strings.Contains(msg, "POST /score") || !strings.Contains(msg, tc.want.Error()) {
				t.Errorf("Do failed the test with %q; want the request and %q", msg, tc.want)
			}
			msg = fatal(t, func(tb sessiontest.TB) {
				sessiontest.New(tb, tc.opts...).Seed(func(r *http.Request) { tc.set(runtime.FromRequest(r)) })
			})
			if !strings.Contains(msg, "Seed") || !strings.Contains(msg, tc.want.Error()) {
				t.Errorf("Seed failed the test with %q; want %q", msg, tc.want)
			}
		})
	}
}

// TestWorkingRequestsDoNotFail checks that fatal sees a Do that works as
// one that does not fail, so TestSaveFails's checks can fail.
func TestWorkingRequestsDoNotFail(t *testing.T) {
	msg := fatal(t, func(tb sessiontest.TB) {
		c := sessiontest.New(tb)
		c.Do(popNotice, httptest.NewRequest(http.MethodGet, "/", nil))
		c.Seed(func(r *http.Request) { session.From(r).SetNotice("hi") })
	})
	if msg != "" {
		t.Errorf("a working request failed the test: %s", msg)
	}
}

// TestOwnErrorHandler checks that an error handler given to New writes
// the response, and that the failure is still reported.
func TestOwnErrorHandler(t *testing.T) {
	c := sessiontest.New(t, runtime.WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, _ error) {
		http.Error(w, "teapot", http.StatusTeapot)
	}))
	resp, err := c.Try(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), "score", math.Inf(1))
	}), httptest.NewRequest(http.MethodGet, "/", nil))
	if !errors.Is(err, runtime.ErrResponseReplaced) || resp.StatusCode != http.StatusTeapot {
		t.Errorf("Try: %d, %v; want 418 and an error wrapping ErrResponseReplaced", resp.StatusCode, err)
	}
}

// TestLateChange checks that a session error the middleware only logs (a
// new session begun after the response was written) fails too.
func TestLateChange(t *testing.T) {
	c := sessiontest.New(t)
	_, err := c.Try(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "done")
		session.From(r).SetNotice("too late")
	}), httptest.NewRequest(http.MethodGet, "/", nil))
	if err == nil || !strings.Contains(err.Error(), "after the response was written") {
		t.Errorf("Try: error %v, want the logged late change", err)
	}
}

// TestOptionsAndCookies checks that options reach the manager and that the
// client keeps the session cookie under its name, with its attributes.
func TestOptionsAndCookies(t *testing.T) {
	c := sessiontest.New(t, runtime.WithCookieName("sid"), runtime.WithExpireAtBrowserClose(true))
	if c.Cookie() != nil || c.Token() != "" || c.Stored() {
		t.Fatal("a new client holds a session")
	}
	c.Seed(func(r *http.Request) { session.From(r).SetTheme("dark") })
	ck := c.Cookie()
	if ck == nil || ck.Name != "sid" || ck.MaxAge != 0 || !ck.Secure || !ck.HttpOnly {
		t.Fatalf("Cookie() = %v, want sid, a browser-session cookie, Secure, HttpOnly", ck)
	}
	// A cookie the handler sets is kept and sent back too.
	c.Do(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: "fr"})
	}), httptest.NewRequest(http.MethodGet, "/", nil))
	var lang string
	c.Read(func(r *http.Request) {
		if ck, err := r.Cookie("lang"); err == nil {
			lang = ck.Value
		}
	})
	if lang != "fr" {
		t.Errorf("the handler's own cookie came back as %q, want fr", lang)
	}
	// A request that carries a session cookie of its own keeps it.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: "sid", Value: "forged"})
	resp := c.Do(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, session.From(r).Theme())
	}), req)
	if body, _ := io.ReadAll(resp.Body); string(body) != "light" {
		t.Errorf("with the test's own cookie, theme %q, want the default", body)
	}
}

// fatalT is a sessiontest.TB whose Fatalf records its message and ends
// the goroutine, as testing.T's does.
type fatalT struct {
	t   *testing.T
	msg string
}

func (f *fatalT) Helper()                         {}
func (f *fatalT) Logf(format string, args ...any) { f.t.Logf(format, args...) }
func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	goruntime.Goexit()
}

// fatal runs fn on a goroutine of its own with a fatalT, and returns what
// fn failed the test with, or "".
func fatal(t *testing.T, fn func(tb sessiontest.TB)) string {
	f := &fatalT{t: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.msg
}
