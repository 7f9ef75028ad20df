package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// updateCases are per-key writes to a session that holds updateStart.
var updateCases = []struct {
	name   string
	change runtime.Change
	want   map[string]json.RawMessage
}{
	{
		name:   "set a new key",
		change: runtime.Change{Set: data("d", `true`)},
		want:   data("a", `1`, "b", `"x"`, "c", `{"x":1,"y":2}`, "d", `true`),
	},
	{
		name:   "overwrite a key",
		change: runtime.Change{Set: data("a", `2`)},
		want:   data("a", `2`, "b", `"x"`, "c", `{"x":1,"y":2}`),
	},
	{
		name:   "an object value is replaced, not merged",
		change: runtime.Change{Set: data("c", `{"x":3}`)},
		want:   data("a", `1`, "b", `"x"`, "c", `{"x":3}`),
	},
	{
		name:   "delete a key",
		change: runtime.Change{Delete: []string{"b"}},
		want:   data("a", `1`, "c", `{"x":1,"y":2}`),
	},
	{
		name:   "delete an absent key",
		change: runtime.Change{Delete: []string{"zz"}},
		want:   data("a", `1`, "b", `"x"`, "c", `{"x":1,"y":2}`),
	},
	{
		name:   "set and delete",
		change: runtime.Change{Set: data("a", `null`, "e", `[]`), Delete: []string{"b", "c"}},
		want:   data("a", `null`, "e", `[]`),
	},
	{
		name:   "set wins over delete of the same key",
		change: runtime.Change{Set: data("b", `"y"`), Delete: []string{"b"}},
		want:   data("a", `1`, "b", `"y"`, "c", `{"x":1,"y":2}`),
	},
	{
		name:   "delete every key",
		change: runtime.Change{Delete: []string{"a", "b", "c"}},
		want:   data(),
	},
	{
		name:   "nil change only moves the expiry",
		change: runtime.Change{},
		want:   data("a", `1`, "b", `"x"`, "c", `{"x":1,"y":2}`),
	},
	{
		name:   "empty change only moves the expiry",
		change: runtime.Change{Set: map[string]json.RawMessage{}, Delete: []string{}},
		want:   data("a", `1`, "b", `"x"`, "c", `{"x":1,"y":2}`),
	},
}

// updateStart is the data each of updateCases starts from.
func updateStart() map[string]json.RawMessage {
	return data("a", `1`, "b", `"x"`, "c", `{"x":1,"y":2}`)
}

var updateTests = []test{
	{"Update", func(t *testing.T, s runtime.Store) {
		for _, tc := range updateCases {
			t.Run(tc.name, func(t *testing.T) {
				h := create(t, s, updateStart(), live())
				exp := live().Add(time.Hour)
				if err := s.Update(context.Background(), h, withExpiry(tc.change, exp)); err != nil {
					t.Fatalf("Update: %v", err)
				}
				wantRecord(t, s, h, tc.want, exp)
			})
		}
	}},
	{"UpdateMissing", func(t *testing.T, s runtime.Store) {
		h := newHash(t)
		err := s.Update(context.Background(), h, runtime.Change{Set: data("a", "1"), ExpiresAt: live()})
		wantNotFound(t, "Update", err)
		wantAbsent(t, s, h)
	}},
	{"UpdateExpired", func(t *testing.T, s runtime.Store) {
		h := create(t, s, data("a", "1"), expired())
		err := s.Update(context.Background(), h, runtime.Change{Set: data("b", "2"), ExpiresAt: live()})
		wantNotFound(t, "Update", err)
		wantAbsent(t, s, h)
	}},
	{"UpdateIntoThePast", func(t *testing.T, s runtime.Store) {
		h := create(t, s, data("a", "1"), live())
		if err := s.Update(context.Background(), h, runtime.Change{ExpiresAt: expired()}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		wantAbsent(t, s, h)
	}},
	{"UpdateInvalidJSON", func(t *testing.T, s runtime.Store) {
		exp := live()
		h := create(t, s, data("a", "1"), exp)
		c := runtime.Change{Set: data("a", "2", "bad", `{"x":`), Delete: []string{"a"}}
		wantFailure(t, "Update with invalid JSON", s.Update(context.Background(), h, withExpiry(c, live().Add(time.Hour))))
		wantRecord(t, s, h, data("a", "1"), exp)
	}},
	{"UpdateCopiesItsInput", func(t *testing.T, s runtime.Store) {
		h := create(t, s, nil, live())
		c := runtime.Change{Set: data("a", `"value"`)}
		exp := live()
		if err := s.Update(context.Background(), h, withExpiry(c, exp)); err != nil {
			t.Fatalf("Update: %v", err)
		}
		copy(c.Set["a"], `"VALUE"`)
		wantRecord(t, s, h, data("a", `"value"`), exp)
	}},
}
