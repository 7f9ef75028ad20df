package janitor_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/janitor"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// debugLogger returns a logger that writes every level to b.
func debugLogger(b *syncbuf.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// counting is a store that counts the janitor's calls.
type counting struct {
	runtime.ExpiredDeleter
	calls atomic.Int64
}

func (c *counting) DeleteExpired(ctx context.Context, batchSize int) (int64, error) {
	c.calls.Add(1)
	return c.ExpiredDeleter.DeleteExpired(ctx, batchSize)
}

// insertExpired adds n expired sessions straight into the table, and one
// live one.
func insertExpired(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `
		INSERT INTO sessiongen_sessions (token_hash, expires_at)
		SELECT sha256(convert_to(gen_random_uuid()::text, 'UTF8')),
		       now() + CASE WHEN g = 0 THEN interval '1 hour' ELSE -g * interval '1 second' END
		FROM generate_series(0, $1) g`, n)
	if err != nil {
		t.Fatal(err)
	}
}

// count returns how many sessions the table holds.
func count(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM sessiongen_sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunClearsOnEveryTickUntilCancelled(t *testing.T) {
	t.Parallel()
	store, pool := pgstoretest.New(t)
	insertExpired(t, pool, 2500)
	var logs syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		janitor.Run(ctx, store, 20*time.Millisecond, janitor.WithBatchSize(1000), janitor.WithLogger(debugLogger(&logs)))
	}()
	// The first run starts at once.
	waitFor(t, "the first run", func() bool { return strings.Contains(logs.String(), "deleted=2500") })
	if n := count(t, pool); n != 1 {
		t.Fatalf("%d sessions left after the first run, want the live one", n)
	}
	// Later ticks find what expired since.
	insertExpired(t, pool, 7)
	waitFor(t, "a later run", func() bool { return strings.Contains(logs.String(), "deleted=7") })
	waitFor(t, "an empty run", func() bool { return strings.Contains(logs.String(), "no expired sessions") })
	if n := count(t, pool); n != 2 {
		t.Fatalf("%d sessions left, want the 2 live ones", n)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a clean run logged an error:\n%s", logs.String())
	}
}

func TestRunSurvivesStoreFailures(t *testing.T) {
	t.Parallel()
	store, pool := pgstoretest.New(t)
	pool.Close() // every call fails
	c := &counting{ExpiredDeleter: store}
	var logs syncbuf.Buffer
	stop := janitor.Start(context.Background(), c, 10*time.Millisecond, janitor.WithLogger(debugLogger(&logs)))
	waitFor(t, "three failed runs", func() bool { return c.calls.Load() >= 3 })
	stop()
	if got := logs.String(); !strings.Contains(got, "level=ERROR") || !strings.Contains(got, "closed pool") {
		t.Fatalf("failures were not logged as errors:\n%s", got)
	}
}

func TestStartStopWaitsAndStopsForGood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc, stop func())
	}{
		{"stop", func(_ context.CancelFunc, stop func()) { stop() }},
		{"stop twice", func(_ context.CancelFunc, stop func()) { stop(); stop() }},
		{"cancel the parent, then stop", func(cancel context.CancelFunc, stop func()) { cancel(); stop() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &counting{ExpiredDeleter: memstore.New()}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stop := janitor.Start(ctx, c, time.Millisecond, janitor.WithLogger(slog.New(slog.DiscardHandler)))
			waitFor(t, "a few runs", func() bool { return c.calls.Load() >= 3 })
			tt.stop(cancel, stop)
			// stop returned: the goroutine is gone, and nothing runs any more.
			after := c.calls.Load()
			time.Sleep(20 * time.Millisecond)
			if c.calls.Load() != after {
				t.Fatal("the janitor ran after stop returned")
			}
		})
	}
}

func TestRunWithMemstore(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	store := memstore.New(memstore.WithClock(func() time.Time { return time.Unix(0, clock.Load()) }))
	ctx := context.Background()
	for i := range 5 {
		h := runtime.TokenHash{byte(i + 1)}
		if err := store.Create(ctx, h, runtime.Record{ExpiresAt: now.Add(time.Duration(i+1) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Store(now.Add(3*time.Minute + time.Second).UnixNano()) // 3 of 5 expired
	var logs syncbuf.Buffer
	stop := janitor.Start(ctx, store, time.Hour, janitor.WithLogger(debugLogger(&logs)))
	waitFor(t, "the first run", func() bool { return strings.Contains(logs.String(), "deleted=3") })
	stop()
	if n := store.Len(); n != 2 {
		t.Fatalf("%d live sessions left, want 2", n)
	}
	if n, _ := store.DeleteExpired(ctx, 0); n != 0 {
		t.Fatalf("%d expired sessions were left", n)
	}
}

func TestDefaultInterval(t *testing.T) {
	t.Parallel()
	// A zero interval does not spin: it is DefaultInterval, so one run
	// happens at once and no second one within the test.
	c := &counting{ExpiredDeleter: memstore.New()}
	stop := janitor.Start(context.Background(), c, 0, janitor.WithLogger(slog.New(slog.DiscardHandler)))
	waitFor(t, "the first run", func() bool { return c.calls.Load() == 1 })
	time.Sleep(50 * time.Millisecond)
	stop()
	if n := c.calls.Load(); n != 1 {
		t.Fatalf("%d runs with the default interval, want 1", n)
	}
}
