// Command idlewrites measures what an idle timeout costs in writes: it
// serves sessiongen's routes with runtime.WithIdleTimeout over pgstore,
// seeds sessions as benchrun does, runs benchrun's load on GET /read, and
// reports the store writes (Create, Update, Cycle, counted by a wrapper
// of the store) per request. A read that finds the idle deadline moved
// less than a tenth of the timeout ago (runtime.IdleRefreshDivisor)
// writes nothing, so with -idle 30m a session is written at most once
// per 3 minutes however often it is read.
//
//	go run ./cmd/idlewrites -duration 6m30s -out IDLE.md  # -idle 30m, as issue 17 asks; IDLE.md is a section of RESULTS.md
//	go run ./cmd/idlewrites -idle 100s -duration 30s       # refreshes within a short run
//
// The sessions are seeded just before the load, with their idle deadline
// fresh, so a run shorter than a tenth of the timeout sees no refresh at
// all: measure for a few tenths (6m30s at 30m) to count them.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/sessiongen/sessiongen/bench/impl"
	"github.com/sessiongen/sessiongen/bench/internal/benchdb"
	"github.com/sessiongen/sessiongen/bench/internal/loadgen"
	"github.com/sessiongen/sessiongen/runtime"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "idlewrites:", err)
		os.Exit(1)
	}
}

func run() error {
	dsn := flag.String("dsn", benchdb.DSN(benchdb.DefaultDSN), "PostgreSQL")
	idle := flag.Duration("idle", 30*time.Minute, "the idle timeout (runtime.WithIdleTimeout)")
	duration := flag.Duration("duration", 20*time.Second, "measured time")
	warmup := flag.Duration("warmup", time.Second, "unmeasured load before the measurement")
	workers := flag.Int("workers", 16, "concurrent keep-alive connections, as benchrun's default")
	sessions := flag.Int("sessions", 1000, "sessions seeded, as benchrun's default")
	pool := flag.Int("pool", 8, "connections to PostgreSQL, as benchrun's default")
	out := flag.String("out", "", "also write the result as a section of RESULTS.md to `file` (benchrun -idle includes it)")
	flag.Parse()

	ctx := context.Background()
	if err := benchdb.Ensure(ctx, *dsn); err != nil {
		return err
	}
	writes := &writeCounter{}
	x, err := impl.NewSessiongenIdle(ctx, impl.Config{DSN: *dsn, PoolSize: int32(*pool)}, *idle, func(s runtime.Store) runtime.Store {
		writes.Store = s
		return writes
	})
	if err != nil {
		return err
	}
	defer x.Close()
	if err := impl.Reset(ctx, x, *dsn); err != nil {
		return err
	}
	cookies, err := impl.Seed(x, "/seed-small", *sessions, *pool)
	if err != nil {
		return err
	}
	srv := httptest.NewServer(x.Handler())
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		return err
	}
	t := loadgen.Target{Addr: u.Host, Path: "/read", CookieName: x.CookieName(), Cookies: cookies}
	var before int64
	r, err := loadgen.RunFor(t, *workers, *warmup, *duration, func(start bool) {
		if start {
			before = writes.n.Load()
		} else {
			before = writes.n.Load() - before
		}
	})
	if err != nil {
		return err
	}
	if r.Errors > 0 {
		return fmt.Errorf("%d requests failed, the first: %s", r.Errors, r.FirstError)
	}
	m := measurement{idle: *idle, warmup: *warmup, duration: *duration, sessions: *sessions, workers: *workers, pool: *pool, r: r, writes: before, date: time.Now().UTC()}
	fmt.Println(m.line())
	if *out != "" {
		return os.WriteFile(*out, []byte(m.markdown()), 0o644)
	}
	return nil
}

// measurement is one run's result.
type measurement struct {
	idle, warmup, duration  time.Duration
	sessions, workers, pool int
	r                       loadgen.Result
	writes                  int64
	date                    time.Time
}

// line is the result in a line, for the terminal.
func (m measurement) line() string {
	return fmt.Sprintf("GET /read, WithIdleTimeout(%v), %d sessions, %d workers, %v: %d requests (%.0f/s), %d writes, %.5f writes per request (1 in %s)",
		m.idle, m.sessions, m.workers, m.r.Elapsed.Round(time.Millisecond), m.r.Requests, m.r.PerSecond(), m.writes,
		m.perRequest(), oneIn(m.r.Requests, m.writes))
}

func (m measurement) perRequest() float64 { return float64(m.writes) / float64(max(m.r.Requests, 1)) }

// markdown is the result as a section of RESULTS.md.
func (m measurement) markdown() string {
	refresh := m.idle / runtime.IdleRefreshDivisor
	bound := float64(m.sessions) * (m.r.Elapsed.Seconds()/refresh.Seconds() + 1)
	return fmt.Sprintf(`## Writes per request under an idle timeout

Written by `+"`go run ./cmd/idlewrites -duration %v -out IDLE.md`"+` on %s (in `+"`bench/`"+`), which `+"`benchrun`"+` includes here. sessiongen over pgstore with `+"`runtime.WithIdleTimeout(%v)`"+`, %d small sessions seeded just before the load (their idle deadline fresh), %d keep-alive connections cycling through them on `+"`GET /read`"+` (which reads the session and changes nothing), a pool of %d, %v of warm-up, then %v measured; the store's writes (Create, Update, Cycle) are counted by a wrapper of the store. A read writes only when the session's idle deadline has not moved for a tenth of the timeout (`+"`runtime.IdleRefreshDivisor`"+`, here every %v), so each session can be written at most %.1f times in the window, %.0f writes in all.

| idle timeout | requests | req/s | writes | writes per request | target |
| --- | ---: | ---: | ---: | ---: | --- |
| %v | %d | %.0f | %d | %.5f (1 in %s) | at most 1 in 100: %s |
`, m.duration, m.date.Format("2006-01-02 15:04 MST"), m.idle, m.sessions, m.workers, m.pool, m.warmup, m.r.Elapsed.Round(time.Second), refresh,
		bound/float64(m.sessions), bound,
		m.idle, m.r.Requests, m.r.PerSecond(), m.writes, m.perRequest(), oneIn(m.r.Requests, m.writes), met(m.perRequest() <= 0.01))
}

// met says whether a target is met.
func met(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

// oneIn says how many requests there were per write.
func oneIn(requests, writes int64) string {
	if writes == 0 {
		return "none"
	}
	return fmt.Sprintf("%d", requests/writes)
}

// writeCounter counts the writes made to the store it wraps.
type writeCounter struct {
	runtime.Store
	n atomic.Int64
}

func (s *writeCounter) Create(ctx context.Context, h runtime.TokenHash, rec runtime.Record) error {
	s.n.Add(1)
	return s.Store.Create(ctx, h, rec)
}

func (s *writeCounter) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	s.n.Add(1)
	return s.Store.Update(ctx, h, c)
}

func (s *writeCounter) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	s.n.Add(1)
	return s.Store.Cycle(ctx, from, to, c)
}
