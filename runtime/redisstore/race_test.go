package redisstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The race tests run concurrent requests on one session through two
// instances, each writer on a key of its own, and count the acknowledged
// writes that were lost and the sessions served or stored after a request
// ended or moved them. Every count must be 0.

// raceCounts counts what the race tests must never see.
type raceCounts struct {
	lost      atomic.Int64 // an acknowledged write missing from the session at the end
	resurrect atomic.Int64 // the session served, or stored, after its end or move was acknowledged
	failed    atomic.Int64 // a request that failed where nothing made it fail
	acked     atomic.Int64 // writes acknowledged, for the log
}

func (n *raceCounts) String() string {
	return fmt.Sprintf("%d acknowledged writes: lost %d, served or stored after the end %d, failed requests %d",
		n.acked.Load(), n.lost.Load(), n.resurrect.Load(), n.failed.Load())
}

func (n *raceCounts) zero() bool { return n.lost.Load()+n.resurrect.Load()+n.failed.Load() == 0 }

// startSession creates a session named id through inst and returns its
// token.
func (c *cluster) startSession(ctx context.Context, t *testing.T, id string) string {
	t.Helper()
	rep, err := c.Do(ctx, c.URLs[0], "POST", "/inc?id="+id, "")
	if err != nil || rep.Token == "" {
		t.Fatalf("create: %v, token %q", err, rep.Token)
	}
	return rep.Token
}

// TestConcurrentWritersKeepEveryChange runs writers on one session through
// both instances at once: each sets a key of its own with Set, and
// increments a shared counter with Update. Every key must end with its
// writer's last acknowledged value, and the counter must count every
// acknowledged increment.
func TestConcurrentWritersKeepEveryChange(t *testing.T) {
	t.Parallel()
	const writers, rounds = 8, 15
	c := newCluster(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	token := c.startSession(ctx, t, "s")
	var n raceCounts
	last := make([]int, writers)
	var increments atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range rounds {
				inst := c.URLs[(w+i)%2]
				rep, err := c.Do(ctx, inst, "POST", fmt.Sprintf("/set?id=s&k=w%d&v=%d", w, i+1), token)
				if err != nil || !rep.Found || rep.K != i+1 {
					n.failed.Add(1)
					t.Logf("writer %d, set %d: %v, view %+v", w, i+1, err, rep.View)
					continue
				}
				last[w] = i + 1
				n.acked.Add(1)
				if _, err := c.Do(ctx, c.URLs[1-(w+i)%2], "POST", "/upd?id=s", token); err != nil {
					n.failed.Add(1)
					t.Logf("writer %d, increment %d: %v", w, i+1, err)
					continue
				}
				increments.Add(1)
				n.acked.Add(1)
			}
		})
	}
	wg.Wait()
	v, ok := c.stored(t, token)
	if !ok {
		t.Fatal("the session is gone")
	}
	for w, want := range last {
		if got := v.Keys[fmt.Sprintf("w%d", w)]; got != want {
			n.lost.Add(1)
			t.Logf("key of writer %d holds %d, want its last acknowledged %d", w, got, want)
		}
	}
	if int64(v.B) != increments.Load() {
		n.lost.Add(increments.Load() - int64(v.B))
		t.Logf("the counter holds %d, want the %d acknowledged increments", v.B, increments.Load())
	}
	t.Logf("%d writers through 2 instances: %s", writers, &n)
	if !n.zero() {
		t.Errorf("writes lost or failed: %s", &n)
	}
}

// hammer runs writers on the session under token, named id, each on a
// key of its own through a random instance, until stop is closed. Each
// records the last value it saw acknowledged on that session; a reply from
// a request that started after ended was closed and still saw the
// session counts as served after the end.
func (c *cluster) hammer(ctx context.Context, n *raceCounts, token, id string, writers int, stop, ended <-chan struct{}) (last []int, wait func()) {
	last = make([]int, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				after := closed(ended)
				rep, err := c.Do(ctx, c.URLs[rng.IntN(2)], "POST", fmt.Sprintf("/set?id=%s&k=w%d&v=%d", id, w, i), token)
				switch {
				case err != nil:
					// The save of a write racing the end of its session
					// fails: the session is gone. Not acknowledged.
				case rep.Found && rep.ID == id && after:
					n.resurrect.Add(1)
				case rep.Found && rep.ID == id && rep.K == i:
					last[w] = i
					n.acked.Add(1)
				}
			}
		})
	}
	return last, wg.Wait
}

// closed reports whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// raceEach runs race as a parallel subtest named for each of ops: on a
// cluster of two instances of its own, sessions are created one after
// another, named "s0", "s1" and so on, and each is handed to race with its
// index, which counts into n; every count must stay 0. verb says in the
// log what the ops do.
func raceEach(t *testing.T, ops []string, verb string, race func(t *testing.T, ctx context.Context, c *cluster, n *raceCounts, op string, s int, id, token string)) {
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, 2)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var n raceCounts
			for s := range raceSessions {
				id := fmt.Sprint("s", s)
				race(t, ctx, c, &n, op, s, id, c.startSession(ctx, t, id))
			}
			t.Logf("%d sessions, %d writers each, %s by %s: %s", raceSessions, raceWriters, verb, op, &n)
			if !n.zero() {
				t.Errorf("%s racing writes: %s", op, &n)
			}
		})
	}
}

// raceSessions and raceWriters are the sessions that TestEndRacingWrites
// and TestMoveRacingWrites race, one after another, and the writers that
// hammer each.
const raceSessions, raceWriters = 4, 6

// TestEndRacingWrites ends a session, by a sign-out (Flush) or a sign-out
// everywhere, while writers hammer it through both instances: no request
// that starts after the end is acknowledged may see the session, and
// Redis must not hold it at the end.
func TestEndRacingWrites(t *testing.T) {
	t.Parallel()
	raceEach(t, []string{"/flush", "/signout-everywhere"}, "ended", func(t *testing.T, ctx context.Context, c *cluster, n *raceCounts, end string, s int, id, token string) {
		if end == "/signout-everywhere" {
			rep, err := c.Do(ctx, c.URLs[1], "POST", "/signin?user=u"+id, token)
			if err != nil {
				t.Fatal(err)
			}
			token = rep.Token
		}
		stop, ended := make(chan struct{}), make(chan struct{})
		_, wait := c.hammer(ctx, n, token, id, raceWriters, stop, ended)
		time.Sleep(80 * time.Millisecond)
		rep, err := c.Do(ctx, c.URLs[s%2], "POST", end, token)
		if err != nil {
			n.failed.Add(1)
			t.Logf("%s: %v", end, err)
		} else if end == "/signout-everywhere" && rep.Deleted != 1 {
			n.failed.Add(1)
			t.Logf("%s deleted %d sessions, want 1", end, rep.Deleted)
		}
		close(ended)
		time.Sleep(80 * time.Millisecond)
		close(stop)
		wait()
		if v, ok := c.stored(t, token); ok {
			n.resurrect.Add(1)
			t.Logf("session %s is stored after its end: %+v", id, v)
		}
	})
}

// TestMoveRacingWrites gives a session a new token, by CycleKey or
// SignIn, while writers hammer it through both instances with the old
// one: every write acknowledged on the session must be in it under the new
// token, and the old token must be gone.
func TestMoveRacingWrites(t *testing.T) {
	t.Parallel()
	raceEach(t, []string{"/cycle", "/signin?user=mover"}, "moved", func(t *testing.T, ctx context.Context, c *cluster, n *raceCounts, move string, s int, id, token string) {
		stop, moved := make(chan struct{}), make(chan struct{})
		last, wait := c.hammer(ctx, n, token, id, raceWriters, stop, moved)
		time.Sleep(80 * time.Millisecond)
		rep, err := c.Do(ctx, c.URLs[s%2], "POST", move, token)
		if err != nil || rep.Token == "" || rep.Token == token {
			n.failed.Add(1)
			t.Fatalf("%s: %v, new token %q", move, err, rep.Token)
		}
		close(moved)
		time.Sleep(80 * time.Millisecond)
		close(stop)
		wait()
		v, ok := c.stored(t, rep.Token)
		if !ok || v.ID != id {
			n.lost.Add(1)
			t.Logf("session %s under its new token: %+v (found %v)", id, v, ok)
		}
		for w, want := range last {
			if got := v.Keys[fmt.Sprintf("w%d", w)]; got < want {
				n.lost.Add(1)
				t.Logf("session %s: key of writer %d holds %d, want at least its last acknowledged %d", id, w, got, want)
			}
		}
		if _, ok := c.stored(t, token); ok {
			n.resurrect.Add(1)
			t.Logf("session %s is still stored under its old token", id)
		}
	})
}
