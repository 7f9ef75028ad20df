package pgstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// TestMaxUserSessionsAcrossInstances signs users in concurrently through
// two stores over two pools on one table, as two application instances
// are: each sign-in binds a session with a bound of three sessions per
// user, through either store, by Update (a fresh session) or by Cycle (one
// that existed). The bound holds across the pools, since the user's lock
// is the database's: each user is left with at most three live sessions.
func TestMaxUserSessionsAcrossInstances(t *testing.T) {
	t.Parallel()
	const users, signIns, limit = 4, 24, 3
	pools := pgstoretest.Pools(t, 2) // one table, two instances
	pool := pools[0]
	var stores [2]*pgstore.Store
	for i, p := range pools {
		stores[i] = pgstore.New(p)
	}
	ids := make([]string, users)
	for i := range ids {
		ids[i] = "user-" + rand.Text()
	}
	var mu sync.Mutex
	ended := map[string]int{} // by user
	var wg sync.WaitGroup
	for i := range users * signIns {
		u := ids[i%users]
		s := stores[i%2]
		wg.Go(func() {
			if err := signInOnce(s, u, limit, i%3 == 0, func(hs []runtime.TokenHash) {
				mu.Lock()
				ended[u] += len(hs)
				mu.Unlock()
			}); err != nil {
				t.Errorf("sign-in %d of %s: %v", i, u, err)
			}
		})
	}
	wg.Wait()
	for _, u := range ids {
		var live int
		err := pool.QueryRow(context.Background(),
			"SELECT count(*) FROM sessiongen_sessions WHERE user_id = $1 AND expires_at > now()", u).Scan(&live)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d sign-ins over 2 pools, %d live sessions left bound, %d ended by the bound of %d", u, signIns, live, ended[u], limit)
		if live < 1 || live > limit {
			t.Errorf("%s has %d live sessions, want 1 to %d", u, live, limit)
		}
		if live+ended[u] != signIns {
			t.Errorf("%s: %d live and %d reported ended, want %d in all", u, live, ended[u], signIns)
		}
	}
}

// signInOnce creates a session and binds it to u with a bound of limit
// sessions, as the manager's SignIn does: by Cycle to a new hash when
// cycle is set, else by Update.
func signInOnce(s *pgstore.Store, u string, limit int, cycle bool, ended func([]runtime.TokenHash)) error {
	ctx := context.Background()
	var h, to runtime.TokenHash
	rand.Read(h[:])
	rand.Read(to[:])
	if err := s.Create(ctx, h, runtime.Record{ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		return err
	}
	c := runtime.Change{ExpiresAt: time.Now().Add(time.Hour), UserID: &u, MaxUserSessions: limit, Ended: ended}
	if !cycle {
		return s.Update(ctx, h, c)
	}
	if err := s.Cycle(ctx, h, to, c); err != nil {
		return fmt.Errorf("cycle: %w", err)
	}
	return nil
}
