package session_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/bench/session"
	"github.com/sessiongen/sessiongen/internal/httpdiscard"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// These benchmarks measure the generated accessors under the middleware,
// over memstore: the whole per-request cost of sessiongen without a
// database.
//
//	go test -run '^$' -bench . -benchmem ./session/

var ok = []byte("ok")

func BenchmarkAccessors(b *testing.B) {
	value := strings.Repeat("z", 160)
	seedSmall := func(s *session.Session) { s.SetCount(0); s.SetName("alice") }
	seedLarge := func(s *session.Session) {
		for _, set := range []func(string){s.SetK00, s.SetK01, s.SetK02, s.SetK03, s.SetK04, s.SetK05, s.SetK06, s.SetK07, s.SetK08, s.SetK09,
			s.SetK10, s.SetK11, s.SetK12, s.SetK13, s.SetK14, s.SetK15, s.SetK16, s.SetK17, s.SetK18, s.SetK19,
			s.SetK20, s.SetK21, s.SetK22, s.SetK23, s.SetK24, s.SetK25, s.SetK26, s.SetK27, s.SetK28, s.SetK29,
			s.SetK30, s.SetK31, s.SetK32, s.SetK33, s.SetK34, s.SetK35, s.SetK36, s.SetK37, s.SetK38, s.SetK39,
			s.SetK40, s.SetK41, s.SetK42, s.SetK43, s.SetK44, s.SetK45, s.SetK46, s.SetK47, s.SetK48, s.SetK49} {
			set(value)
		}
	}
	cases := []struct {
		name    string
		seed    func(*session.Session)
		handler func(*session.Session)
	}{
		{"untouched", seedSmall, func(*session.Session) {}},
		{"read", seedSmall, func(s *session.Session) { _, _ = s.Count(), s.Name() }},
		{"write", seedSmall, func(s *session.Session) { s.SetCount(s.Count() + 1) }},
		{"read-large", seedLarge, func(s *session.Session) { _, _ = s.K00(), s.K49() }},
		{"write-large", seedLarge, func(s *session.Session) { s.SetK00(value) }},
		{"login", seedSmall, func(s *session.Session) { s.CycleKey(); s.SetUserID(42) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			mgr, err := runtime.NewManager(memstore.New())
			if err != nil {
				b.Fatal(err)
			}
			w := httpdiscard.New()
			r, _ := http.NewRequest(http.MethodGet, "http://bench/", nil)
			mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.seed(session.From(r))
			})).ServeHTTP(w, r)
			cookies := w.Cookies()
			if len(cookies) != 1 {
				b.Fatalf("seeding: cookies %v", cookies)
			}
			h := mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.handler(session.From(r))
				_, _ = w.Write(ok)
			}))
			r, _ = http.NewRequest(http.MethodGet, "http://bench/", nil)
			r.AddCookie(cookies[0])
			b.ReportAllocs()
			for b.Loop() {
				w.Reset()
				h.ServeHTTP(w, r)
				if c.name == "login" {
					// The key changed: follow it, as a browser would
					// (which costs this loop an allocation or two).
					if cs := w.Cookies(); len(cs) == 1 {
						r.Header["Cookie"] = []string{cs[0].Name + "=" + cs[0].Value}
					}
				}
			}
		})
	}
}
