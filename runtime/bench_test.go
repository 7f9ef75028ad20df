package runtime_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/httpdiscard"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// These benchmarks measure what the middleware costs per request over
// memstore, so that no database time hides it: a request whose handler
// ignores the session, reads it, and writes it, with the small session of
// bench/ (an int and a short string) and its large one (50 keys, 8 KB).
// The handlers call runtime.Get and runtime.Set, which is all a generated
// accessor does; bench/session benchmarks the generated accessors
// themselves.
//
//	go test -run '^$' -bench . -benchmem ./runtime/

var largeKeys = func() []string {
	keys := make([]string, 50)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%02d", i)
	}
	return keys
}()

// benchSession stores a session through mgr's middleware with set, and
// returns a request that carries its cookie.
func benchSession(b *testing.B, mgr *runtime.Manager, set func(*runtime.Session)) *http.Request {
	b.Helper()
	w := httpdiscard.New()
	r, _ := http.NewRequest(http.MethodGet, "http://bench/", nil)
	mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set(runtime.FromRequest(r))
	})).ServeHTTP(w, r)
	cookies := w.Cookies()
	if len(cookies) != 1 {
		b.Fatalf("seeding: cookies %v", cookies)
	}
	r, _ = http.NewRequest(http.MethodGet, "http://bench/", nil)
	r.AddCookie(cookies[0])
	return r
}

func seedSmall(s *runtime.Session) {
	runtime.Set(s, "count", 0)
	runtime.Set(s, "name", "alice")
}

func seedLarge(s *runtime.Session) {
	for i, k := range largeKeys {
		runtime.Set(s, k, fmt.Sprintf("value %02d ", i)+strings.Repeat("x", 151))
	}
}

var ok = []byte("ok")

func BenchmarkMiddleware(b *testing.B) {
	value := strings.Repeat("z", 160)
	cases := []struct {
		name    string
		seed    func(*runtime.Session) // nil: the request carries no cookie
		handler func(*runtime.Session) // nil: the handler ignores the session
	}{
		{"untouched/no-cookie", nil, nil},
		{"untouched/cookie", seedSmall, nil},
		{"read", seedSmall, func(s *runtime.Session) {
			n, _ := runtime.Get[int](s, "count")
			name, _ := runtime.Get[string](s, "name")
			_, _ = n, name
		}},
		{"write", seedSmall, func(s *runtime.Session) {
			n, _ := runtime.Get[int](s, "count")
			runtime.Set(s, "count", n+1)
		}},
		{"read-large", seedLarge, func(s *runtime.Session) {
			a, _ := runtime.Get[string](s, "k00")
			z, _ := runtime.Get[string](s, "k49")
			_, _ = a, z
		}},
		{"write-large", seedLarge, func(s *runtime.Session) {
			runtime.Set(s, "k00", value)
		}},
	}
	b.Run("none", func(b *testing.B) {
		// The handler alone, without the middleware: the baseline.
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(ok) })
		w := httpdiscard.New()
		r, _ := http.NewRequest(http.MethodGet, "http://bench/", nil)
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			mgr := newManager(b, memstore.New())
			r, _ := http.NewRequest(http.MethodGet, "http://bench/", nil)
			if c.seed != nil {
				r = benchSession(b, mgr, c.seed)
			}
			h := mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.handler != nil {
					c.handler(runtime.FromRequest(r))
				}
				_, _ = w.Write(ok)
			}))
			w := httpdiscard.New()
			b.ReportAllocs()
			for b.Loop() {
				w.Reset()
				h.ServeHTTP(w, r)
			}
		})
	}
}
