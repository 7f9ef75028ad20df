package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// data builds session data from alternating keys and JSON values.
func data(kv ...string) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = json.RawMessage(kv[i+1])
	}
	return m
}

// newHash returns a random token hash.
func newHash(t testing.TB) runtime.TokenHash {
	t.Helper()
	var h runtime.TokenHash
	_, _ = rand.Read(h[:])
	return h
}

// create stores a session with d, bound to user, under a new hash that
// it returns.
func create(t testing.TB, s runtime.Store, d map[string]json.RawMessage, user string, expiresAt time.Time) runtime.TokenHash {
	t.Helper()
	h := newHash(t)
	if err := s.Create(context.Background(), h, runtime.Record{Data: d, ExpiresAt: expiresAt, UserID: user}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return h
}

// show formats session data for a message, keys in order.
func show(d map[string]json.RawMessage) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(d)) {
		parts = append(parts, fmt.Sprintf("%q:%s", k, d[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestDataKeysNeverMeetMetadata stores data keys named as the metadata's
// fields, and as the prefix of the data's: each stays data, and the
// metadata stays what it was.
func TestDataKeysNeverMeetMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	s := newStore(t, rdb)
	exp := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	d := data("exp", `"0"`, "uid", `"mallory"`, "ua", `1`, "ct", `2`, "ut", `3`, "mv", `"x"`, "by", `4`, "d:", `5`, "d:exp", `6`)
	h := newHash(t)
	if err := s.Create(ctx, h, runtime.Record{Data: d, ExpiresAt: exp, UserID: "alice", UserAgent: "Firefox"}); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Load(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if show(rec.Data) != show(d) || rec.UserID != "alice" || rec.UserAgent != "Firefox" || !rec.ExpiresAt.Equal(exp) {
		t.Fatalf("Load = %s, user %q, agent %q, expiry %v; want %s, alice, Firefox, %v", show(rec.Data), rec.UserID, rec.UserAgent, rec.ExpiresAt, show(d), exp)
	}
	fields, err := rdb.HKeys(ctx, s.Key(h)).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if k, ok := strings.CutPrefix(f, "d:"); ok {
			if _, known := d[k]; !known {
				t.Errorf("data field %q for no key", f)
			}
		}
	}
	// The session's key names the hash in a hash tag: one slot per session.
	if want := "{" + h.String() + "}"; !strings.HasSuffix(s.Key(h), want) {
		t.Errorf("Key = %q, want it to end with the hash tag %q", s.Key(h), want)
	}
}

// TestRedisExpires checks that Redis drops a session by itself: at its
// expiry plus the retention (WithRetention), and at its expiry with
// MinRetention, when DeleteExpired has nothing left to delete.
func TestRedisExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	for _, tt := range []struct {
		name      string
		opts      []redisstore.Option
		retention time.Duration
	}{
		{"default retention", nil, redisstore.DefaultRetention},
		{"an hour", []redisstore.Option{redisstore.WithRetention(time.Hour)}, time.Hour},
		{"zero means the default", []redisstore.Option{redisstore.WithRetention(0)}, redisstore.DefaultRetention},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, rdb, tt.opts...)
			exp := time.Now().Add(time.Minute)
			h := create(t, s, data("a", "1"), "", exp)
			at, err := rdb.PExpireTime(ctx, s.Key(h)).Result()
			if err != nil {
				t.Fatal(err)
			}
			want := exp.Add(tt.retention)
			if got := time.UnixMilli(int64(at / time.Millisecond)); got.Sub(want).Abs() > time.Millisecond {
				t.Errorf("Redis drops the session at %v, want %v: its expiry and the retention", got, want)
			}
		})
	}
	t.Run("MinRetention", func(t *testing.T) {
		s := newStore(t, rdb, redisstore.WithRetention(redisstore.MinRetention))
		soon := create(t, s, data("a", "1"), "u", time.Now().Add(time.Second)) // long enough to load it first under -race
		gone := create(t, s, data("a", "1"), "", time.Now().Add(-time.Hour))
		if n, err := rdb.Exists(ctx, s.Key(gone)).Result(); err != nil || n != 0 {
			t.Errorf("a session created expired is in Redis (%d, %v), want dropped at once", n, err)
		}
		if _, err := s.Load(ctx, soon); err != nil {
			t.Fatalf("Load before expiry: %v", err)
		}
		time.Sleep(1500 * time.Millisecond)
		if n, err := rdb.Exists(ctx, s.Key(soon)).Result(); err != nil || n != 0 {
			t.Errorf("an expired session is in Redis (%d, %v), want dropped", n, err)
		}
		if _, err := s.FindSession(ctx, soon); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("FindSession of a dropped session: %v, want ErrNotFound", err)
		}
		if n, err := s.DeleteExpired(ctx, 0); err != nil || n != 0 {
			t.Errorf("DeleteExpired = %d, %v; want 0: Redis dropped them", n, err)
		}
	})
}

// TestExpiredSessionsStayForTheRetention checks what the retention keeps
// an expired session for, and that it is absent all the same.
func TestExpiredSessionsStayForTheRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, newClient(t))
	h := create(t, s, data("a", "1"), "bob", time.Now().Add(-time.Minute))
	if _, err := s.Load(ctx, h); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Load of an expired session: %v, want ErrNotFound", err)
	}
	if err := s.Update(ctx, h, runtime.Change{Set: data("b", "2"), ExpiresAt: time.Now().Add(time.Hour)}); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Update of an expired session: %v, want ErrNotFound", err)
	}
	rec, err := s.FindSession(ctx, h)
	if err != nil || show(rec.Data) != `{"a":1}` || rec.UserID != "bob" {
		t.Errorf("FindSession = %s, %q, %v; want the expired session", show(rec.Data), rec.UserID, err)
	}
	infos, total, err := s.ListSessions(ctx, "bob", 0, 10)
	if err != nil || total != 1 || len(infos) != 1 || infos[0].Hash != h {
		t.Errorf("ListSessions(bob) = %v, %d, %v; want the expired session", infos, total, err)
	}
	if infos, err := s.UserSessions(ctx, "bob"); err != nil || len(infos) != 0 {
		t.Errorf("UserSessions(bob) = %v, %v; want no live session", infos, err)
	}
}

// TestDamagedHashIsAnError checks that a session's hash whose metadata
// cannot be read is a failure, never runtime.ErrNotFound, which would
// make the manager issue a fresh session over it.
func TestDamagedHashIsAnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	s := newStore(t, rdb)
	h := create(t, s, data("a", "1"), "", time.Now().Add(time.Hour))
	if err := rdb.HSet(ctx, s.Key(h), "exp", "soon").Err(); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Load":        func() error { _, err := s.Load(ctx, h); return err }(),
		"FindSession": func() error { _, err := s.FindSession(ctx, h); return err }(),
	} {
		if err == nil || errors.Is(err, runtime.ErrNotFound) || !strings.Contains(err.Error(), "exp") {
			t.Errorf("%s of a damaged hash: %v, want an error naming the field", name, err)
		}
	}
}

// TestAMovingSessionIsAbsent puts a session in the state a Cycle leaves it
// in between its steps, as when the process running it died there: it is
// absent to reads and updates, which conflict so that the manager reloads
// it, and DeleteUserSessions deletes it.
func TestAMovingSessionIsAbsent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	s := newStore(t, rdb)
	h := create(t, s, data("a", "1"), "carol", time.Now().Add(time.Hour))
	if err := rdb.HSet(ctx, s.Key(h), "mv", "a Cycle's nonce").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, h); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Load: %v, want ErrNotFound", err)
	}
	if _, err := s.FindSession(ctx, h); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("FindSession: %v, want ErrNotFound", err)
	}
	change := runtime.Change{Set: data("b", "2"), ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.Update(ctx, h, change); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("Update: %v, want ErrConflict", err)
	}
	if err := s.Cycle(ctx, h, newHash(t), change); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("Cycle: %v, want ErrConflict", err)
	}
	if err := s.Create(ctx, h, runtime.Record{ExpiresAt: time.Now().Add(time.Hour)}); err == nil {
		t.Error("Create over a moving session succeeded")
	}
	if infos, total, err := s.ListSessions(ctx, "", 0, 10); err != nil || total != 0 {
		t.Errorf("ListSessions = %v, %d, %v; want none", infos, total, err)
	}
	if infos, err := s.UserSessions(ctx, "carol"); err != nil || len(infos) != 0 {
		t.Errorf("UserSessions = %v, %v; want none", infos, err)
	}
	deleted, err := s.DeleteUserSessions(ctx, "carol", runtime.TokenHash{})
	if err != nil || len(deleted) != 1 || deleted[0] != h {
		t.Errorf("DeleteUserSessions = %v, %v; want the moving session", deleted, err)
	}
	if n, err := rdb.Exists(ctx, s.Key(h)).Result(); err != nil || n != 0 {
		t.Errorf("the moving session is still in Redis (%d, %v)", n, err)
	}
}

// TestCycleWaitsForASignOutEverywhere marks a user busy, as a
// DeleteUserSessions under way does: a Cycle that would move a session of
// that user conflicts, writing nothing, and succeeds once the mark is gone.
func TestCycleWaitsForASignOutEverywhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	s := newStore(t, rdb)
	exp := time.Now().Add(time.Hour)
	from := create(t, s, data("a", "1"), "dave", exp)
	mark := redis.Z{Score: float64(time.Now().Add(time.Minute).UnixMicro()), Member: "a sign-out"}
	if err := rdb.ZAdd(ctx, s.BusyKey("dave"), mark).Err(); err != nil {
		t.Fatal(err)
	}
	to := newHash(t)
	change := runtime.Change{Set: data("b", "2"), ExpiresAt: exp}
	if err := s.Cycle(ctx, from, to, change); !errors.Is(err, runtime.ErrConflict) {
		t.Fatalf("Cycle while the user's sessions are being deleted: %v, want ErrConflict", err)
	}
	if rec, err := s.Load(ctx, from); err != nil || show(rec.Data) != `{"a":1}` {
		t.Errorf("Load(from) after the conflict = %s, %v; want it unchanged", show(rec.Data), err)
	}
	if n, err := rdb.Exists(ctx, s.Key(to)).Result(); err != nil || n != 0 {
		t.Errorf("the Cycle left its copy under to (%d, %v)", n, err)
	}
	if err := rdb.ZRem(ctx, s.BusyKey("dave"), mark.Member).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Cycle(ctx, from, to, change); err != nil {
		t.Fatalf("Cycle once the mark is gone: %v", err)
	}
	if rec, err := s.Load(ctx, to); err != nil || show(rec.Data) != `{"a":1,"b":2}` || rec.UserID != "dave" {
		t.Errorf("Load(to) = %s, %q, %v", show(rec.Data), rec.UserID, err)
	}
	if _, err := s.Load(ctx, from); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Load(from) after the Cycle: %v, want ErrNotFound", err)
	}
}

// TestUserSetsArePruned checks that the hashes of sessions that are gone,
// or bound to another user, leave their user's set, once the grace after
// they were added has passed, and not before.
func TestUserSetsArePruned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	exp := time.Now().Add(time.Hour)
	members := func(t *testing.T, s *redisstore.Store, user string) []string {
		t.Helper()
		ms, err := rdb.ZRange(ctx, s.UserKey(user), 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ms)
		return ms
	}
	hexes := func(hs ...runtime.TokenHash) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.String())
		}
		slices.Sort(out)
		return out
	}
	prunes := []struct {
		name  string
		prune func(s *redisstore.Store, user string) error
	}{
		{"UserSessions", func(s *redisstore.Store, user string) error { _, err := s.UserSessions(ctx, user); return err }},
		{"DeleteUserSessions", func(s *redisstore.Store, user string) error {
			_, err := s.DeleteUserSessions(ctx, user, runtime.TokenHash{1}) // keeps nothing of the user's
			return err
		}},
		{"DeleteExpired", func(s *redisstore.Store, _ string) error { _, err := s.DeleteExpired(ctx, 1); return err }},
	}
	for _, p := range prunes {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			// A grace long enough that the first checks run within it even
			// under -race on a loaded machine (the setup took 2.8 s once,
			// with a grace of 1 s).
			const grace = 5 * time.Second
			s := newStore(t, rdb)
			s.SetGrace(grace)
			kept := create(t, s, data("a", "1"), "erin", exp)
			deleted := create(t, s, data("a", "1"), "erin", exp)
			moved := create(t, s, data("a", "1"), "erin", exp)
			if err := s.Delete(ctx, deleted); err != nil {
				t.Fatal(err)
			}
			frank := "frank"
			if err := s.Update(ctx, moved, runtime.Change{ExpiresAt: exp, UserID: &frank}); err != nil {
				t.Fatal(err)
			}
			within, after := hexes(kept, deleted, moved), hexes(kept)
			if p.name == "DeleteUserSessions" {
				// It deletes the bound one, and its hash at once.
				within, after = hexes(deleted, moved), nil
			}
			if err := p.prune(s, "erin"); err != nil {
				t.Fatal(err)
			}
			if got := members(t, s, "erin"); !slices.Equal(got, within) {
				t.Errorf("within the grace, the set holds %v, want %v", got, within)
			}
			time.Sleep(grace + 100*time.Millisecond)
			if err := p.prune(s, "erin"); err != nil {
				t.Fatal(err)
			}
			if got, want := members(t, s, "erin"), after; !slices.Equal(got, want) {
				t.Errorf("after the grace, the set holds %v, want %v", got, want)
			}
			if got := members(t, s, "frank"); !slices.Equal(got, hexes(moved)) {
				t.Errorf("frank's set holds %v, want %v", got, hexes(moved))
			}
		})
	}
}

// TestCanceledContext checks that every call fails, and says so, with a
// canceled context: never runtime.ErrNotFound, nor an empty success.
func TestCanceledContext(t *testing.T) {
	t.Parallel()
	s := newStore(t, newClient(t))
	h := create(t, s, data("a", "1"), "gina", time.Now().Add(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"UserSessions": func() error { _, err := s.UserSessions(ctx, "gina"); return err },
		"DeleteUserSessions": func() error {
			_, err := s.DeleteUserSessions(ctx, "gina", runtime.TokenHash{})
			return err
		},
		"ListSessions":  func() error { _, _, err := s.ListSessions(ctx, "", 0, 10); return err },
		"FindSession":   func() error { _, err := s.FindSession(ctx, h); return err },
		"DeleteExpired": func() error { _, err := s.DeleteExpired(ctx, 0); return err },
		"DeleteKey":     func() error { _, err := s.DeleteKey(ctx, "a", 0); return err },
		"Delete":        func() error { return s.Delete(ctx, h) },
		"Create":        func() error { return s.Create(ctx, newHash(t), runtime.Record{ExpiresAt: time.Now().Add(time.Hour)}) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: %v, want context.Canceled", name, err)
		}
	}
	if _, err := s.Load(context.Background(), h); err != nil {
		t.Errorf("the session after the canceled calls: %v", err)
	}
}

// TestBadArguments checks the errors of arguments no call may take.
func TestBadArguments(t *testing.T) {
	t.Parallel()
	s := newStore(t, newClient(t))
	ctx := context.Background()
	if _, err := s.DeleteKey(ctx, "", 1); err == nil {
		t.Error("DeleteKey accepted an empty key")
	}
	for _, bad := range [][2]int{{-1, 10}, {0, 0}, {0, -5}} {
		if _, _, err := s.ListSessions(ctx, "", bad[0], bad[1]); err == nil {
			t.Errorf("ListSessions(offset %d, limit %d) did not fail", bad[0], bad[1])
		}
	}
	h := create(t, s, data("a", "1"), "", time.Now().Add(time.Hour))
	for _, expect := range []map[string]json.RawMessage{data("a", "{"), data("a", `"\u0000"`)} {
		err := s.Update(ctx, h, runtime.Change{Set: data("b", "2"), Expect: expect, ExpiresAt: time.Now().Add(time.Hour)})
		if err == nil || errors.Is(err, runtime.ErrConflict) || !strings.Contains(err.Error(), `"a"`) {
			t.Errorf("Update expecting %s: %v, want an error naming the key", expect["a"], err)
		}
	}
}

// TestFence makes every write of a bound session miss its fence, as a
// Redis too slow between the user's set and the session would: the write
// fails, saying so, and writes nothing.
func TestFence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, newClient(t))
	exp := time.Now().Add(time.Hour)
	h := create(t, s, data("a", "1"), "", exp)
	s.SetGrace(time.Microsecond) // a fence no write meets
	if err := s.Create(ctx, newHash(t), runtime.Record{ExpiresAt: exp, UserID: "hal"}); err == nil || !strings.Contains(err.Error(), "fence") {
		t.Errorf("Create past the fence: %v, want an error about it", err)
	}
	hal := "hal"
	if err := s.Update(ctx, h, runtime.Change{Set: data("b", "2"), ExpiresAt: exp, UserID: &hal}); err == nil || !strings.Contains(err.Error(), "fence") {
		t.Errorf("Update past the fence: %v, want an error about it", err)
	}
	next := newHash(t)
	if err := s.Cycle(ctx, h, next, runtime.Change{ExpiresAt: exp, UserID: &hal}); err == nil || !strings.Contains(err.Error(), "fence") {
		t.Errorf("Cycle past the fence: %v, want an error about it", err)
	}
	if rec, err := s.Load(ctx, h); err != nil || show(rec.Data) != `{"a":1}` || rec.UserID != "" {
		t.Errorf("the session after the refused writes = %s, %q, %v; want it unchanged", show(rec.Data), rec.UserID, err)
	}
	if _, err := s.Load(ctx, next); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Load(next): %v, want ErrNotFound", err)
	}
	if infos, err := s.UserSessions(ctx, "hal"); err != nil || len(infos) != 0 {
		t.Errorf("UserSessions(hal) = %v, %v; want none", infos, err)
	}
}
