package coherence

import (
	"context"
	"sync"
	"testing"
	"time"
)

// WritesSeen writes through one instance of two or the other: each write
// followed by 12 parallel reads of the session through the writer, as a
// page and its fragments load, and a read through the other instance,
// which must all see it; and a user's strictly sequential read-modify-write
// requests, alternating between the instances, each followed by such a
// page load, must lose none. start starts the two instances of each
// subtest; the subtests run in parallel.
func WritesSeen(t *testing.T, start func(t *testing.T) *Deployment) {
	tests := []struct {
		name   string
		writes int
		writer func(i int) int // the instance of the i-th write
	}{
		{"ParallelReadsAfterWrite", 20, func(int) int { return 0 }},
		{"SequentialWritesAlternating", 150, func(i int) int { return i % 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const pageReads = 12
			d := start(t)
			if len(d.URLs) != 2 {
				t.Fatalf("%d instances, want 2", len(d.URLs))
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var n Tally
			token, acked := "", 0
			for i := range tt.writes {
				w := d.URLs[tt.writer(i)]
				rep, err := d.Do(ctx, w, "POST", "/inc?id=s", token)
				if err != nil {
					t.Fatalf("write %d: %v", i+1, err)
				}
				if rep.Token != "" {
					token = rep.Token
				}
				if rep.A != acked+1 {
					n.Count(Lost)
					t.Logf("write %d through instance %d read a=%d, not %d: an acknowledged write was undone", i+1, tt.writer(i), rep.A-1, acked)
				}
				acked = rep.A
				var page sync.WaitGroup
				for range pageReads {
					page.Go(func() { checkRead(ctx, d, &n, w, token, "s", rep.A) })
				}
				page.Wait()
				checkRead(ctx, d, &n, d.URLs[1-tt.writer(i)], token, "s", rep.A)
			}
			if v, ok := d.Stored(t, token); !ok || v.A != acked {
				n.Count(Lost)
				t.Errorf("stored a = %d (found %v), want %d", v.A, ok, acked)
			}
			t.Logf("%d writes: %s", tt.writes, &n)
			if d.Check != nil {
				d.Check(t)
			}
			if !n.Zero() {
				t.Errorf("incoherent: %s", &n)
			}
		})
	}
}

// checkRead reads the session under token through the instance at inst
// and counts a read that does not see id with at least a.
func checkRead(ctx context.Context, d *Deployment, n Counter, inst, token, id string, a int) {
	rep, err := d.Do(ctx, inst, "GET", "/get", token)
	switch {
	case err != nil:
		n.Count(Failed)
	case !rep.Found:
		n.Count(Vanished)
	case rep.ID != id:
		n.Count(Crossed)
	case rep.A < a:
		n.Count(Stale)
	}
}

// UnderLoad mixes, across the instances that start starts, reads, per-key
// read-modify-writes (Get and Set, and Update), CycleKey, SignIn, Flush
// and "sign out everywhere" (DeleteUserSessions), and counts: reads that
// started after a write was acknowledged and do not see it, acknowledged
// writes undone or missing from the store at the end, reads that see a
// session after its deletion (or after a CycleKey moved it) was
// acknowledged, and sessions that go missing. All must be 0.
func UnderLoad(t *testing.T, start func(t *testing.T) *Deployment) {
	const (
		users         = 6
		devices       = 2 // per user
		opsPerUser    = 60
		readers       = 6
		readsByReader = 150
		pageReads     = 12 // parallel reads after some writes
	)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var n Tally
	d := start(t)
	l := NewWorkload(d, &n, users, devices)
	began := time.Now()
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() { l.User(ctx, t, u, opsPerUser, pageReads) })
	}
	for r := range readers {
		wg.Go(func() { l.Reader(ctx, r, readsByReader) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the load did not finish before its deadline: %s", &n)
	}
	l.Final(ctx, t)
	t.Logf("%d instances, %d users: %d requests that write or end sessions, %d checked reads, %d ended sessions, in %v",
		len(d.URLs), users, l.Ops.Load(), l.Reads.Load(), l.Dead.Len(), time.Since(began).Round(time.Millisecond))
	t.Logf("%s", &n)
	if d.Check != nil {
		d.Check(t)
	}
	if !n.Zero() {
		t.Errorf("incoherent: %s", &n)
	}
}
