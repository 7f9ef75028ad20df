package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// TestSignOutEverywhereCatchesASessionBeingCycled races "sign out
// everywhere" (DeleteUserSessions) with a session of the user that moves
// to a new hash again and again (Cycle, as each sign-in does): the scan
// must not miss it by reading the directory while it moves. After the
// deletion the session's next move must find it gone.
func TestSignOutEverywhereCatchesASessionBeingCycled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, t.TempDir())
	// Other sessions, so the scan has files to read while the session moves.
	for range 30 {
		if err := s.Create(ctx, randomHash(t), runtime.Record{ExpiresAt: time.Now().Add(time.Hour), UserID: "bystander"}); err != nil {
			t.Fatal(err)
		}
	}
	const trials = 30
	survived := 0
	for trial := range trials {
		user := fmt.Sprint("user-", trial)
		h := randomHash(t)
		if err := s.Create(ctx, h, runtime.Record{ExpiresAt: time.Now().Add(time.Hour), UserID: user}); err != nil {
			t.Fatal(err)
		}
		moves := make(chan int, 1)
		go func() {
			cur, n := h, 0
			for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); n++ {
				next := randomHash(t)
				err := s.Cycle(ctx, cur, next, runtime.Change{ExpiresAt: time.Now().Add(time.Hour)})
				if errors.Is(err, runtime.ErrNotFound) {
					moves <- n
					return
				}
				if err != nil {
					t.Errorf("Cycle: %v", err)
					moves <- n
					return
				}
				cur = next
			}
			moves <- -1 // still moving: the deletion missed it
		}()
		time.Sleep(time.Duration(trial%5) * time.Millisecond)
		gone, err := s.DeleteUserSessions(ctx, user, runtime.TokenHash{})
		if err != nil {
			t.Fatal(err)
		}
		if n := <-moves; n < 0 {
			survived++
		} else if len(gone) != 1 {
			t.Errorf("trial %d: DeleteUserSessions reported %d sessions after %d moves, want the 1", trial, len(gone), n)
		}
		if infos, err := s.UserSessions(ctx, user); err != nil || len(infos) != 0 {
			t.Errorf("trial %d: UserSessions after signing out everywhere = %+v, %v", trial, infos, err)
		}
	}
	if survived > 0 {
		t.Errorf("in %d of %d trials a session being cycled survived signing out everywhere", survived, trials)
	}
}
