package storetest

import (
	"context"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

var loadTests = []test{
	{"LoadMissing", func(t *testing.T, s runtime.Store) {
		_, err := s.Load(context.Background(), newHash(t))
		wantNotFound(t, "Load", err)
	}},
	{"LoadExpired", func(t *testing.T, s runtime.Store) {
		h := create(t, s, data("a", "1"), expired())
		wantAbsent(t, s, h)
	}},
	{"LoadReturnsACopy", func(t *testing.T, s runtime.Store) {
		want := data("a", `"value"`, "b", `[1,2]`)
		exp := live()
		h := create(t, s, want, exp)
		rec := load(t, s, h)
		for _, v := range rec.Data {
			for i := range v {
				v[i] = 'x'
			}
		}
		rec.Data["b"] = []byte(`"changed"`)
		delete(rec.Data, "a")
		rec.Data["c"] = []byte(`true`)
		wantRecord(t, s, h, data("a", `"value"`, "b", `[1,2]`), exp)
	}},
	{"CanceledContextIsNotNotFound", func(t *testing.T, s runtime.Store) {
		// A failure must never read as "no session": the middleware
		// would then issue a fresh session, or drop a save.
		h := create(t, s, data("a", "1"), live())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ops := []struct {
			name string
			err  func() error
		}{
			{"Load", func() error { _, err := s.Load(ctx, h); return err }},
			{"Update", func() error { return s.Update(ctx, h, runtime.Change{ExpiresAt: live()}) }},
			{"Cycle", func() error { return s.Cycle(ctx, h, newHash(t), runtime.Change{ExpiresAt: live()}) }},
		}
		for _, op := range ops {
			if err := op.err(); err != nil {
				wantFailure(t, op.name+" with a canceled context", err)
			}
		}
	}},
}
