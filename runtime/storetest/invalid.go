package storetest

import (
	"context"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// unstorableValues are valid JSON that PostgreSQL's jsonb refuses, and so
// every store refuses alike.
var unstorableValues = []struct{ name, value string }{
	{"NUL", `"\u0000"`},
	{"NUL deep inside", `{"a": ["ok", {"b": "x\u0000y"}]}`},
	{"lone high surrogate", `"\ud800"`},
	{"lone low surrogate", `"\udc00"`},
	{"high surrogate before a non-surrogate", `"\ud800\u0041"`},
	{"bytes that are not UTF-8", "\"\xff\xfe\""},
	{"number too large", `1e1000000`},
	{"number too precise", `1e-1000000`},
}

// storableValues are close to unstorableValues but every store keeps them.
var storableValues = []struct{ name, value string }{
	{"surrogate pair", `"\ud83d\ude00"`},
	{"escaped backslash before u0000", `"\\u0000"`},
	{"escaped letter", `"\u00e9"`},
	{"large number", `1e1000`},
	{"small number", `-1.5e-1000`},
	{"zero with an exponent", `0e-1000`},
}

var invalidTests = []test{
	{"UnstorableValues", func(t *testing.T, s runtime.Store) {
		ctx := context.Background()
		for _, v := range unstorableValues {
			t.Run(v.name, func(t *testing.T) {
				bad := data("ok", `1`, "bad", v.value)

				h := newHash(t)
				wantErrorIs(t, "Create", s.Create(ctx, h, runtime.Record{Data: bad, ExpiresAt: live()}), runtime.ErrInvalidValue)
				wantAbsent(t, s, h)

				exp := live()
				h = create(t, s, data("a", `1`), exp)
				c := runtime.Change{Set: bad, Delete: []string{"a"}, ExpiresAt: live().Add(1)}
				wantErrorIs(t, "Update", s.Update(ctx, h, c), runtime.ErrInvalidValue)
				next := newHash(t)
				wantErrorIs(t, "Cycle", s.Cycle(ctx, h, next, c), runtime.ErrInvalidValue)
				wantRecord(t, s, h, data("a", `1`), exp)
				wantAbsent(t, s, next)
			})
		}
	}},
	{"StorableValues", func(t *testing.T, s runtime.Store) {
		for _, v := range storableValues {
			t.Run(v.name, func(t *testing.T) {
				exp := live()
				want := data("v", v.value)
				h := create(t, s, want, exp)
				wantRecord(t, s, h, want, exp)
				h = create(t, s, nil, exp)
				if err := s.Update(context.Background(), h, runtime.Change{Set: want, ExpiresAt: exp}); err != nil {
					t.Fatalf("Update: %v", err)
				}
				wantRecord(t, s, h, want, exp)
			})
		}
	}},
}
