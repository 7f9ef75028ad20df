package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

var createTests = []test{
	{"CreateLoad", func(t *testing.T, s runtime.Store) {
		want := data(
			"string", `"hello, \"world\" <b>&amp;</b>"`,
			"unicode", `"ключ 🎉 \u00e9"`,
			"int", `9007199254740993`,
			"float", `1.5e-7`,
			"bool", `false`,
			"null", `null`,
			"array", `[1, "two", [3], {"four": 4}]`,
			"object", `{"nested": {"deep": [true, null]}, "n": 1.0}`,
			"empty_object", `{}`,
			"ключ", `"a key that is not ASCII"`,
			"", `"the empty key"`,
		)
		exp := live()
		h := create(t, s, want, exp)
		wantRecord(t, s, h, want, exp)
	}},
	{"CreateEmpty", func(t *testing.T, s runtime.Store) {
		for _, d := range []map[string]json.RawMessage{nil, {}} {
			exp := live()
			h := create(t, s, d, exp)
			wantRecord(t, s, h, nil, exp)
		}
	}},
	{"CreateCopiesItsInput", func(t *testing.T, s runtime.Store) {
		d := data("a", `"value"`)
		exp := live()
		h := create(t, s, d, exp)
		copy(d["a"], `"VALUE"`)
		d["b"] = json.RawMessage(`1`)
		wantRecord(t, s, h, data("a", `"value"`), exp)
	}},
	{"CreateOverLiveFails", func(t *testing.T, s runtime.Store) {
		exp := live()
		h := create(t, s, data("a", "1"), exp)
		err := s.Create(context.Background(), h, runtime.Record{Data: data("b", "2"), ExpiresAt: live()})
		wantFailure(t, "Create over a live session", err)
		wantRecord(t, s, h, data("a", "1"), exp)
	}},
	{"CreateOverExpired", func(t *testing.T, s runtime.Store) {
		h := create(t, s, data("a", "1"), expired())
		exp := live()
		if err := s.Create(context.Background(), h, runtime.Record{Data: data("b", "2"), ExpiresAt: exp}); err != nil {
			t.Fatalf("Create over an expired session: %v", err)
		}
		wantRecord(t, s, h, data("b", "2"), exp)
	}},
	{"CreateInvalidJSON", func(t *testing.T, s runtime.Store) {
		for _, bad := range []string{`{not json`, `"unterminated`, `1 2`, ``} {
			h := newHash(t)
			err := s.Create(context.Background(), h, runtime.Record{Data: data("ok", "1", "bad", bad), ExpiresAt: live()})
			wantFailure(t, "Create with value "+bad, err)
			wantAbsent(t, s, h)
		}
	}},
}
