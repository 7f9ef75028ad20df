package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// userLimitTests check Change.MaxUserSessions, the bound on a user's
// sessions that runtime.WithMaxSessionsPerUser sets. A store that refuses
// it, wrapping errors.ErrUnsupported, is checked to write nothing, and the
// other checks are skipped.
var userLimitTests = []test{
	{"UserLimit/UnsupportedWritesNothing", func(t *testing.T, s runtime.Store) {
		h := create(t, s, data("a", "1"), live())
		u := userID(t)
		err := s.Update(context.Background(), h, limitChange(u, 1, nil))
		if !errors.Is(err, errors.ErrUnsupported) {
			if err != nil {
				t.Fatalf("Update with MaxUserSessions: %v", err)
			}
			t.Skipf("%T keeps the bound", s)
		}
		if rec := load(t, s, h); rec.UserID != "" {
			t.Errorf("a refused bound change bound the session to %q", rec.UserID)
		}
		to := newHash(t)
		err = s.Cycle(context.Background(), h, to, limitChange(u, 1, nil))
		wantErrorIs(t, "Cycle with MaxUserSessions", err, errors.ErrUnsupported)
		load(t, s, h)
		wantAbsent(t, s, to)
	}},
	{"UserLimit/LeastRecentlySavedEnd", func(t *testing.T, s runtime.Store) {
		for _, op := range []string{"Update", "Cycle"} {
			t.Run(op, func(t *testing.T) {
				limitStore(t, s)
				u := userID(t)
				hs := userSessions(t, s, u, 4)
				// Saved in this order: hs[2] is the least recently
				// saved, then hs[0].
				saveInOrder(t, s, hs[2], hs[0], hs[3], hs[1])
				current := create(t, s, data("a", "1"), live())
				var ended endedLog
				final := signIn(t, s, op, current, u, 3, ended.record(t, s, u))
				wantHashes(t, "Ended", ended.all(), hs[2], hs[0])
				wantAbsent(t, s, hs[2])
				wantAbsent(t, s, hs[0])
				for _, h := range []runtime.TokenHash{hs[3], hs[1], final} {
					if rec := load(t, s, h); rec.UserID != u {
						t.Errorf("kept session bound to %q, want %q", rec.UserID, u)
					}
				}
				wantBound(t, s, u, final, hs[3], hs[1])
				if ended.calls() != 1 {
					t.Errorf("Ended was called %d times, want once", ended.calls())
				}
			})
		}
	}},
	{"UserLimit/CurrentNeverEnds", func(t *testing.T, s runtime.Store) {
		// The session being bound is the least recently saved of the
		// user's, already bound to the user: the others end.
		limitStore(t, s)
		u := userID(t)
		current := userSessions(t, s, u, 1)[0]
		others := userSessions(t, s, u, 2)
		saveInOrder(t, s, current, others[0], others[1])
		var ended endedLog
		final := signIn(t, s, "Update", current, u, 1, ended.record(t, s, u))
		wantHashes(t, "Ended", ended.all(), others...)
		wantBound(t, s, u, final)
	}},
	{"UserLimit/ExpiredDoNotCount", func(t *testing.T, s runtime.Store) {
		limitStore(t, s)
		u := userID(t)
		for range 3 {
			if err := s.Create(context.Background(), newHash(t), runtime.Record{ExpiresAt: expired(), UserID: u, Data: data("a", "1")}); err != nil {
				t.Fatal(err)
			}
		}
		kept := userSessions(t, s, u, 1)[0]
		var ended endedLog
		final := signIn(t, s, "Cycle", create(t, s, data("a", "1"), live()), u, 2, ended.record(t, s, u))
		if ended.calls() != 0 {
			t.Errorf("Ended was called with %v, want no call: the expired sessions do not count", ended.all())
		}
		wantBound(t, s, u, final, kept)
	}},
	{"UserLimit/OtherUsersUntouched", func(t *testing.T, s runtime.Store) {
		limitStore(t, s)
		u, other := userID(t), userID(t)
		mine := userSessions(t, s, u, 2)
		theirs := userSessions(t, s, other, 3)
		unbound := create(t, s, data("a", "1"), live())
		var ended endedLog
		final := signIn(t, s, "Cycle", create(t, s, data("a", "1"), live()), u, 1, ended.record(t, s, u))
		wantHashes(t, "Ended", ended.all(), mine...)
		wantBound(t, s, u, final)
		wantBound(t, s, other, theirs...)
		load(t, s, unbound)
	}},
	{"UserLimit/WithoutBindNothingEnds", func(t *testing.T, s runtime.Store) {
		// A change that binds no user, or unbinds, ends nothing, whatever
		// its MaxUserSessions.
		limitStore(t, s)
		u := userID(t)
		hs := userSessions(t, s, u, 3)
		var ended endedLog
		c := limitChange(u, 1, ended.record(t, s, u))
		c.UserID = nil
		if err := s.Update(context.Background(), hs[0], c); err != nil {
			t.Fatal(err)
		}
		unbind := ""
		c.UserID = &unbind
		if err := s.Update(context.Background(), hs[1], c); err != nil {
			t.Fatal(err)
		}
		if ended.calls() != 0 {
			t.Errorf("Ended was called with %v, want no call", ended.all())
		}
		wantBound(t, s, u, hs[0], hs[2])
	}},
	{"UserLimit/ConcurrentSignIns", func(t *testing.T, s runtime.Store) {
		// With a bound of one, sign-ins that do not wait for each other
		// end each other's sessions, leaving none.
		for _, limit := range []int{1, 3} {
			t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
				limitStore(t, s)
				concurrentSignIns(t, s, 20, limit)
			})
		}
	}},
}

// concurrentSignIns signs one user in n times at once, each time creating
// a session and binding it with a bound of limit sessions, and checks
// that 1 to limit sessions stay bound, and that every other was reported
// ended, once.
func concurrentSignIns(t *testing.T, s runtime.Store, signIns, limit int) {
	t.Helper()
	u := userID(t)
	var ended endedLog
	report := ended.record(t, s, u)
	hs := make([]runtime.TokenHash, signIns)
	var wg sync.WaitGroup
	for i := range hs {
		wg.Go(func() {
			h, err := newHashErr()
			if err == nil {
				err = s.Create(context.Background(), h, runtime.Record{Data: data("i", fmt.Sprint(i)), ExpiresAt: live()})
			}
			if err == nil {
				err = s.Update(context.Background(), h, limitChange(u, limit, report))
			}
			if err != nil {
				t.Errorf("sign-in %d: %v", i, err)
			}
			hs[i] = h
		})
	}
	wg.Wait()
	var bound []runtime.TokenHash
	for _, h := range hs {
		if rec, err := s.Load(context.Background(), h); err == nil && rec.UserID == u {
			bound = append(bound, h)
		}
	}
	t.Logf("%d concurrent sign-ins with a bound of %d: %d sessions left bound, %d reported ended", signIns, limit, len(bound), len(ended.all()))
	if len(bound) == 0 || len(bound) > limit {
		t.Errorf("%d sessions stay bound to the user, want 1 to %d", len(bound), limit)
	}
	// Each session that is gone was reported, exactly once.
	gone := map[runtime.TokenHash]int{}
	for _, h := range ended.all() {
		gone[h]++
	}
	for _, h := range bound {
		if gone[h] > 0 {
			t.Errorf("session %v was reported ended, yet is live", h)
		}
	}
	for h, n := range gone {
		if n != 1 {
			t.Errorf("session %v was reported ended %d times", h, n)
		}
	}
	if len(gone)+len(bound) != signIns {
		t.Errorf("%d sessions reported ended and %d bound, want %d in all", len(gone), len(bound), signIns)
	}
	wantBound(t, s, u, bound...)
}

// limitChange returns a change that binds its session to u, bounding u's
// sessions to n, with ended as its Ended.
func limitChange(u string, n int, ended func([]runtime.TokenHash)) runtime.Change {
	return runtime.Change{ExpiresAt: live(), UserID: &u, MaxUserSessions: n, Ended: ended, Set: data("signed", "true")}
}

// limitStore skips t when s refuses bounds on users' sessions, which
// UserLimit/UnsupportedWritesNothing checks.
func limitStore(t *testing.T, s runtime.Store) {
	t.Helper()
	h := create(t, s, data("a", "1"), live())
	err := s.Update(context.Background(), h, limitChange(userID(t), 1, nil))
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("%T does not bound users' sessions: %v", s, err)
	}
	if err != nil {
		t.Fatalf("Update with MaxUserSessions: %v", err)
	}
}

// signIn binds the session under h to u with a bound of n sessions, as the
// manager's SignIn does: by op, "Update" or "Cycle" to a new hash. It
// returns the session's hash afterwards.
func signIn(t *testing.T, s runtime.Store, op string, h runtime.TokenHash, u string, n int, ended func([]runtime.TokenHash)) runtime.TokenHash {
	t.Helper()
	c := limitChange(u, n, ended)
	switch op {
	case "Update":
		if err := s.Update(context.Background(), h, c); err != nil {
			t.Fatalf("Update: %v", err)
		}
		return h
	case "Cycle":
		to := newHash(t)
		if err := s.Cycle(context.Background(), h, to, c); err != nil {
			t.Fatalf("Cycle: %v", err)
		}
		wantAbsent(t, s, h)
		return to
	}
	t.Fatalf("unknown sign-in %q", op)
	return h
}

// saveInOrder saves the sessions under hs, one after the other, each at a
// later last-save time than the one before, by the store's clock: when
// the store reports a time no later (a clock that did not move), the
// session is saved again.
func saveInOrder(t *testing.T, s runtime.Store, hs ...runtime.TokenHash) {
	t.Helper()
	var last time.Time
	for _, h := range hs {
		for attempt := 0; ; attempt++ {
			if err := s.Update(context.Background(), h, runtime.Change{ExpiresAt: live(), Set: data("saved", fmt.Sprint(attempt))}); err != nil {
				t.Fatalf("Update: %v", err)
			}
			at := stamped(t, s, h).UpdatedAt
			if at.IsZero() {
				time.Sleep(2 * time.Millisecond) // no times to compare: space the saves out
				break
			}
			if at.After(last) {
				last = at
				break
			}
			if attempt == 100 {
				t.Fatalf("the store's last-save time stays at %v", at)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// wantBound fails t unless the live sessions bound to u are exactly want:
// as UserSessions lists them, for a runtime.UserStore; else each of want
// is checked to be bound.
func wantBound(t *testing.T, s runtime.Store, u string, want ...runtime.TokenHash) {
	t.Helper()
	us, ok := s.(runtime.UserStore)
	if !ok {
		for _, h := range want {
			if rec := load(t, s, h); rec.UserID != u {
				t.Errorf("session bound to %q, want %q", rec.UserID, u)
			}
		}
		return
	}
	infos, err := us.UserSessions(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]runtime.TokenHash, len(infos))
	for i, info := range infos {
		got[i] = info.Hash
	}
	wantHashes(t, "UserSessions", got, want...)
}

// endedLog records the calls of a Change's Ended.
type endedLog struct {
	mu     sync.Mutex
	hashes []runtime.TokenHash
	n      int
}

// record returns an Ended that logs its calls, and checks, as it is
// called, that the change has committed: the sessions it names are gone.
func (l *endedLog) record(t *testing.T, s runtime.Store, u string) func([]runtime.TokenHash) {
	return func(hs []runtime.TokenHash) {
		for _, h := range hs {
			if rec, err := s.Load(context.Background(), h); err == nil && rec.UserID == u {
				t.Errorf("Ended was called with %v, which is still live and bound", h)
			}
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.hashes = append(l.hashes, hs...)
		l.n++
	}
}

// all returns the hashes of every call.
func (l *endedLog) all() []runtime.TokenHash {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]runtime.TokenHash(nil), l.hashes...)
}

// calls returns how many times Ended was called.
func (l *endedLog) calls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// newHashErr returns a random token hash, for a goroutine other than the
// test's, which cannot fail it.
func newHashErr() (runtime.TokenHash, error) {
	var h runtime.TokenHash
	_, err := rand.Read(h[:])
	return h, err
}
