package redisstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// BenchmarkStore measures each call of a request's life over the tests'
// Redis, one at a time: a round trip (or, for a bound Create and a Cycle,
// several) and the script's work.
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	s := newStore(b, newClient(b))
	exp := time.Now().Add(time.Hour)
	d := data("cart", `["tea","jam"]`, "visits", `3`, "theme", `"dark"`)
	b.Run("Load", func(b *testing.B) {
		h := create(b, s, d, "", exp)
		for b.Loop() {
			if _, err := s.Load(ctx, h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Update", func(b *testing.B) {
		h := create(b, s, d, "", exp)
		i := 0
		for b.Loop() {
			i++
			c := runtime.Change{Set: data("visits", fmt.Sprint(i)), ExpiresAt: exp, MaxSize: 64 << 10}
			if err := s.Update(ctx, h, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UpdateExpect", func(b *testing.B) {
		h := create(b, s, d, "", exp)
		i := 3
		for b.Loop() {
			c := runtime.Change{Set: data("visits", fmt.Sprint(i+1)), Expect: data("visits", fmt.Sprint(i)), ExpiresAt: exp}
			if err := s.Update(ctx, h, c); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	for _, user := range []string{"", "bench-user"} {
		b.Run(fmt.Sprintf("Create/user=%q", user), func(b *testing.B) {
			for b.Loop() {
				create(b, s, d, user, exp)
			}
		})
		b.Run(fmt.Sprintf("Cycle/user=%q", user), func(b *testing.B) {
			h := create(b, s, d, user, exp)
			for b.Loop() {
				next := newHash(b)
				if err := s.Cycle(ctx, h, next, runtime.Change{ExpiresAt: exp}); err != nil {
					b.Fatal(err)
				}
				h = next
			}
		})
	}
}
