package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// userID returns a user id no other test uses.
func userID(t *testing.T) string {
	t.Helper()
	return "user-" + rand.Text()
}

// stamped returns the session under h with its creation and update
// times: from FindSession, for a store that is a runtime.Lister, since Load
// may leave them zero; else from Load.
func stamped(t *testing.T, s runtime.Store, h runtime.TokenHash) runtime.Record {
	t.Helper()
	l, ok := s.(runtime.Lister)
	if !ok {
		return load(t, s, h)
	}
	rec, err := l.FindSession(context.Background(), h)
	if err != nil {
		t.Fatalf("FindSession: %v", err)
	}
	return rec
}

// metaTests check the metadata a session carries beside its data.
var metaTests = []test{
	{"Meta/CreateKeepsUserAndAgent", func(t *testing.T, s runtime.Store) {
		h := newHash(t)
		before := time.Now().Add(-time.Minute)
		rec := runtime.Record{Data: data("a", "1"), ExpiresAt: live(), UserID: "u1", UserAgent: "Firefox"}
		if err := s.Create(context.Background(), h, rec); err != nil {
			t.Fatal(err)
		}
		got := load(t, s, h)
		if got.UserID != "u1" || got.UserAgent != "Firefox" {
			t.Fatalf("stored user %q, agent %q; want u1, Firefox", got.UserID, got.UserAgent)
		}
		got = stamped(t, s, h)
		if got.CreatedAt.Before(before) || got.UpdatedAt.Before(got.CreatedAt) {
			t.Fatalf("created %v, updated %v: want both set, updated not before created", got.CreatedAt, got.UpdatedAt)
		}
	}},
	{"Meta/UpdateLeavesUnsetMetadata", func(t *testing.T, s runtime.Store) {
		h := newHash(t)
		rec := runtime.Record{Data: data("a", "1"), ExpiresAt: live(), UserID: "u1", UserAgent: "Firefox"}
		if err := s.Create(context.Background(), h, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(context.Background(), h, runtime.Change{Set: data("b", "2"), ExpiresAt: live()}); err != nil {
			t.Fatal(err)
		}
		got := load(t, s, h)
		if got.UserID != "u1" || got.UserAgent != "Firefox" {
			t.Fatalf("after an update without metadata: user %q, agent %q", got.UserID, got.UserAgent)
		}
	}},
	{"Meta/UpdateAndCycleSetMetadata", func(t *testing.T, s runtime.Store) {
		h := create(t, s, data("a", "1"), live())
		u := "u2"
		c := runtime.Change{ExpiresAt: live(), UserID: &u, UserAgent: "Safari"}
		if err := s.Update(context.Background(), h, c); err != nil {
			t.Fatal(err)
		}
		if got := load(t, s, h); got.UserID != "u2" || got.UserAgent != "Safari" {
			t.Fatalf("after Update: user %q, agent %q; want u2, Safari", got.UserID, got.UserAgent)
		}
		next := newHash(t)
		u3 := "u3"
		if err := s.Cycle(context.Background(), h, next, runtime.Change{ExpiresAt: live(), UserID: &u3}); err != nil {
			t.Fatal(err)
		}
		if got := load(t, s, next); got.UserID != "u3" || got.UserAgent != "Safari" {
			t.Fatalf("after Cycle: user %q, agent %q; want u3, Safari", got.UserID, got.UserAgent)
		}
		unbind := ""
		if err := s.Update(context.Background(), next, runtime.Change{ExpiresAt: live(), UserID: &unbind}); err != nil {
			t.Fatal(err)
		}
		if got := load(t, s, next); got.UserID != "" {
			t.Fatalf("after unbinding: user %q", got.UserID)
		}
	}},
	{"Meta/UpdateMovesUpdatedAt", func(t *testing.T, s runtime.Store) {
		h := create(t, s, data("a", "1"), live())
		first := stamped(t, s, h)
		time.Sleep(2 * time.Millisecond) // the clocks count microseconds
		if err := s.Update(context.Background(), h, runtime.Change{ExpiresAt: live()}); err != nil {
			t.Fatal(err)
		}
		second := stamped(t, s, h)
		if !second.UpdatedAt.After(first.UpdatedAt) || !second.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("updated %v then %v, created %v then %v", first.UpdatedAt, second.UpdatedAt, first.CreatedAt, second.CreatedAt)
		}
	}},
}

// userTests check UserStore, for stores that have it.
var userTests = []test{
	{"User/ListsLiveSessionsNewestFirst", func(t *testing.T, s runtime.Store) {
		us := userStore(t, s)
		u := userID(t)
		var hs []runtime.TokenHash
		for i := range 3 {
			h := newHash(t)
			rec := runtime.Record{Data: data("i", fmt.Sprint(i)), ExpiresAt: live(), UserID: u, UserAgent: fmt.Sprint("agent ", i)}
			if err := s.Create(context.Background(), h, rec); err != nil {
				t.Fatal(err)
			}
			hs = append(hs, h)
			time.Sleep(2 * time.Millisecond)
		}
		gone := newHash(t)
		if err := s.Create(context.Background(), gone, runtime.Record{ExpiresAt: expired(), UserID: u}); err != nil {
			t.Fatal(err)
		}
		other := create(t, s, data("x", "1"), live()) // unbound
		infos, err := us.UserSessions(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != 3 {
			t.Fatalf("UserSessions returned %d sessions, want the 3 live ones: %+v", len(infos), infos)
		}
		for i, info := range infos {
			want := hs[2-i]
			if info.Hash != want || info.UserID != u || info.UserAgent != fmt.Sprint("agent ", 2-i) {
				t.Errorf("session %d = %+v, want hash %v, newest first", i, info, want)
			}
			if info.Hash == other || info.Hash == gone {
				t.Errorf("listed a session that is not the user's live one: %v", info.Hash)
			}
		}
	}},
	{"User/ListsLifetime", func(t *testing.T, s runtime.Store) {
		us := userStore(t, s)
		u := userID(t)
		d := data("a", "1")
		at := time.Now().UTC().Truncate(time.Millisecond)
		for i, k := range runtime.LifetimeKeys() {
			raw, err := json.Marshal(at.Add(time.Duration(i+1) * time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			d[k] = raw
		}
		want := runtime.LifetimeOf(d)
		if want.SignedInAt.IsZero() || want.IdleDeadline.IsZero() || want.AbsoluteDeadline.IsZero() {
			t.Fatalf("LifetimeOf(%s) = %+v: the test's data lacks a time", d, want)
		}
		timed := newHash(t)
		if err := s.Create(context.Background(), timed, runtime.Record{Data: d, ExpiresAt: live(), UserID: u}); err != nil {
			t.Fatal(err)
		}
		plain := userSessions(t, s, u, 1)[0]
		infos, err := us.UserSessions(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, info := range infos {
			l := info.Lifetime
			switch info.Hash {
			case timed:
				found++
				if !l.SignedInAt.Equal(want.SignedInAt) || !l.IdleDeadline.Equal(want.IdleDeadline) || !l.AbsoluteDeadline.Equal(want.AbsoluteDeadline) {
					t.Errorf("listed Lifetime %+v, want %+v, what its data holds", l, want)
				}
			case plain:
				found++
				if l != (runtime.Lifetime{}) {
					t.Errorf("a session of no deadlines lists Lifetime %+v, want none", l)
				}
			}
		}
		if found != 2 {
			t.Fatalf("UserSessions = %+v, want both sessions of the user", infos)
		}
	}},
	{"User/DeleteAllButOne", func(t *testing.T, s runtime.Store) {
		us := userStore(t, s)
		u := userID(t)
		hs := userSessions(t, s, u, 3)
		bystander := userSessions(t, s, userID(t), 1)[0]
		got, err := us.DeleteUserSessions(context.Background(), u, hs[1])
		if err != nil {
			t.Fatal(err)
		}
		wantHashes(t, "DeleteUserSessions keeping one", got, hs[0], hs[2])
		wantNotFound(t, "first session", loadErr(s, hs[0]))
		wantNotFound(t, "third session", loadErr(s, hs[2]))
		load(t, s, hs[1])
		load(t, s, bystander)
		got, err = us.DeleteUserSessions(context.Background(), u, runtime.TokenHash{})
		if err != nil {
			t.Fatal(err)
		}
		wantHashes(t, "DeleteUserSessions of all", got, hs[1])
		wantNotFound(t, "kept session", loadErr(s, hs[1]))
		load(t, s, bystander)
	}},
	{"User/DeleteReportsExpiredSessionsToo", func(t *testing.T, s runtime.Store) {
		us := userStore(t, s)
		u := userID(t)
		current := userSessions(t, s, u, 1)[0]
		gone := newHash(t)
		if err := s.Create(context.Background(), gone, runtime.Record{ExpiresAt: expired(), UserID: u, Data: data("a", "1")}); err != nil {
			t.Fatal(err)
		}
		got, err := us.DeleteUserSessions(context.Background(), u, runtime.TokenHash{})
		if err != nil {
			t.Fatal(err)
		}
		wantHashes(t, "DeleteUserSessions", got, current, gone)
		if got, err := us.DeleteUserSessions(context.Background(), u, runtime.TokenHash{}); err != nil || len(got) != 0 {
			t.Errorf("second DeleteUserSessions = %v, %v; want none deleted", got, err)
		}
	}},
	{"User/EmptyUserMatchesNothing", func(t *testing.T, s runtime.Store) {
		us := userStore(t, s)
		unbound := create(t, s, data("a", "1"), live())
		infos, err := us.UserSessions(context.Background(), "")
		if err != nil || len(infos) != 0 {
			t.Fatalf("UserSessions(\"\") = %d sessions, %v; want none", len(infos), err)
		}
		got, err := us.DeleteUserSessions(context.Background(), "", runtime.TokenHash{})
		if err != nil || len(got) != 0 {
			t.Fatalf("DeleteUserSessions(\"\") = %v, %v; want none deleted", got, err)
		}
		load(t, s, unbound)
	}},
}

// userStore returns s as a runtime.UserStore, or skips t when it is not
// one.
func userStore(t *testing.T, s runtime.Store) runtime.UserStore {
	t.Helper()
	us, ok := s.(runtime.UserStore)
	if !ok {
		t.Skipf("%T does not implement runtime.UserStore", s)
	}
	return us
}

// userSessions creates n live sessions bound to userID and returns their
// hashes, in order of creation.
func userSessions(t *testing.T, s runtime.Store, userID string, n int) []runtime.TokenHash {
	t.Helper()
	var hs []runtime.TokenHash
	for range n {
		h := newHash(t)
		if err := s.Create(context.Background(), h, runtime.Record{ExpiresAt: live(), UserID: userID, Data: data("a", "1")}); err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	return hs
}

// wantHashes fails t unless got holds exactly want, in any order.
func wantHashes(t *testing.T, op string, got []runtime.TokenHash, want ...runtime.TokenHash) {
	t.Helper()
	order := func(a, b runtime.TokenHash) int { return bytes.Compare(a[:], b[:]) }
	if !slices.Equal(slices.SortedFunc(slices.Values(got), order), slices.SortedFunc(slices.Values(want), order)) {
		t.Errorf("%s reported %v, want exactly %v", op, got, want)
	}
}

func loadErr(s runtime.Store, h runtime.TokenHash) error {
	_, err := s.Load(context.Background(), h)
	return err
}
