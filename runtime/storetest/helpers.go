package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/jsonb"
	"github.com/sessiongen/sessiongen/runtime"
)

// live returns an expiry an hour ahead: far enough that clock skew between
// the test and a database server cannot make the session expired.
func live() time.Time { return time.Now().Add(time.Hour) }

// expired returns an expiry an hour ago.
func expired() time.Time { return time.Now().Add(-time.Hour) }

// newHash returns a random token hash.
func newHash(t *testing.T) runtime.TokenHash {
	t.Helper()
	var h runtime.TokenHash
	if _, err := rand.Read(h[:]); err != nil {
		t.Fatal(err)
	}
	return h
}

// data builds session data from alternating keys and JSON values.
func data(kv ...string) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = json.RawMessage(kv[i+1])
	}
	return m
}

// create stores a session with data under a new hash and returns the hash.
func create(t *testing.T, s runtime.Store, d map[string]json.RawMessage, expiresAt time.Time) runtime.TokenHash {
	t.Helper()
	h := newHash(t)
	if err := s.Create(context.Background(), h, runtime.Record{Data: d, ExpiresAt: expiresAt}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return h
}

// load returns the session under h, failing t if there is none.
func load(t *testing.T, s runtime.Store, h runtime.TokenHash) runtime.Record {
	t.Helper()
	rec, err := s.Load(context.Background(), h)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return rec
}

// wantNotFound fails t unless err is runtime.ErrNotFound.
func wantNotFound(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("%s: got error %v, want ErrNotFound", op, err)
	}
}

// wantFailure fails t unless err is an error other than
// runtime.ErrNotFound.
func wantFailure(t *testing.T, op string, err error) {
	t.Helper()
	if err == nil || errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("%s: got error %v, want an error other than ErrNotFound", op, err)
	}
}

// wantAbsent fails t unless there is no live session under h.
func wantAbsent(t *testing.T, s runtime.Store, h runtime.TokenHash) {
	t.Helper()
	rec, err := s.Load(context.Background(), h)
	if err == nil {
		t.Errorf("Load found %s, want ErrNotFound", show(rec.Data))
		return
	}
	wantNotFound(t, "Load", err)
}

// wantRecord fails t unless the session under h holds want, as JSON, and
// expires at expiresAt, to the microsecond.
func wantRecord(t *testing.T, s runtime.Store, h runtime.TokenHash, want map[string]json.RawMessage, expiresAt time.Time) {
	t.Helper()
	rec := load(t, s, h)
	wantData(t, rec.Data, want)
	if w := expiresAt.Truncate(time.Microsecond); !rec.ExpiresAt.Equal(w) {
		t.Errorf("ExpiresAt = %v, want %v", rec.ExpiresAt, w)
	}
}

// wantData fails t unless got and want hold the same keys with equal JSON
// values.
func wantData(t *testing.T, got, want map[string]json.RawMessage) {
	t.Helper()
	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) || !dataEqual(got, want) {
		t.Errorf("data = %s, want %s", show(got), show(want))
	}
}

// dataEqual reports whether a and b hold equal JSON under each key.
func dataEqual(a, b map[string]json.RawMessage) bool {
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !jsonb.Equal(av, bv) {
			return false
		}
	}
	return len(a) == len(b)
}

// show formats session data for a message.
func show(m map[string]json.RawMessage) string {
	if m == nil {
		return "nil"
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %s", k, m[k])
	}
	b.WriteByte('}')
	return b.String()
}

// withExpiry returns c with its expiry set to exp.
func withExpiry(c runtime.Change, exp time.Time) runtime.Change {
	c.ExpiresAt = exp
	return c
}

// wantErrorIs fails t unless err wraps target.
func wantErrorIs(t *testing.T, op string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one wrapping %v", op, err, target)
	}
}

// applied returns d after the per-key write c, as a store applies it:
// (d - c.Delete) || c.Set.
func applied(d map[string]json.RawMessage, c runtime.Change) map[string]json.RawMessage {
	out := maps.Clone(d)
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	for _, k := range c.Delete {
		delete(out, k)
	}
	maps.Copy(out, c.Set)
	return out
}
