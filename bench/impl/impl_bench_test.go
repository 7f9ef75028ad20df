package impl_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/bench/impl"
	"github.com/sessiongen/sessiongen/internal/httpdiscard"
)

// BenchmarkRoutes serves each route of each implementation in process,
// one request at a time, against PostgreSQL: ns/op is mostly the database
// round trips, but allocs/op and B/op are the whole request's, pgx's
// included.
//
//	go test -run '^$' -bench Routes -benchmem ./impl/
func BenchmarkRoutes(b *testing.B) {
	for _, name := range impl.Names {
		b.Run(name, func(b *testing.B) {
			s := start(b, name)
			for _, route := range impl.Routes {
				if route == "/login" {
					continue // it changes the cookie each time
				}
				b.Run(strings.TrimPrefix(route, "/"), func(b *testing.B) {
					seed := "/seed-small"
					if strings.HasSuffix(route, "-large") {
						seed = "/seed-large"
					}
					cookie, err := impl.NewSession(s.x, seed)
					if err != nil {
						b.Fatal(err)
					}
					r, _ := http.NewRequest(http.MethodGet, "http://bench"+route, nil)
					r.AddCookie(&http.Cookie{Name: s.x.CookieName(), Value: cookie})
					h := s.x.Handler()
					w := httpdiscard.New()
					b.ReportAllocs()
					for b.Loop() {
						w.Reset()
						req := *r // a new request each time: gorilla keeps its registry in it
						h.ServeHTTP(w, &req)
					}
				})
			}
		})
	}
}
