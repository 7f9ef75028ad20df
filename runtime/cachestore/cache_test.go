package cachestore_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
)

// newHash returns a random token hash.
func newHash(t testing.TB) runtime.TokenHash {
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

// create stores a session with d under a new hash through s.
func create(t testing.TB, s runtime.Store, d map[string]json.RawMessage, rec runtime.Record) runtime.TokenHash {
	t.Helper()
	h := newHash(t)
	rec.Data = d
	if rec.ExpiresAt.IsZero() {
		rec.ExpiresAt = time.Now().Add(time.Hour)
	}
	if err := s.Create(context.Background(), h, rec); err != nil {
		t.Fatal(err)
	}
	return h
}

// load returns the session under h, failing t if there is none.
func load(t testing.TB, s runtime.Store, h runtime.TokenHash) runtime.Record {
	t.Helper()
	rec, err := s.Load(context.Background(), h)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return rec
}

// show formats session data for comparison and messages.
func show(m map[string]json.RawMessage) string {
	b, _ := json.Marshal(m) // sorts the keys
	return string(b)
}

// wantData fails t unless the session under h holds want.
func wantData(t testing.TB, s runtime.Store, h runtime.TokenHash, want map[string]json.RawMessage) {
	t.Helper()
	if got := load(t, s, h).Data; show(got) != show(want) {
		t.Errorf("data = %s, want %s", show(got), show(want))
	}
}

func TestWarmCacheReadsCostNoQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.store()
	h := create(t, s, data("a", `"x"`), runtime.Record{UserID: "u1", UserAgent: "Firefox"})
	before := e.queries.Load()
	first := load(t, s, h)
	if n := e.queries.Load() - before; n != 1 {
		t.Errorf("a cold read sent %d queries, want 1", n)
	}
	if !e.cached(t, s.Key(h)) {
		t.Fatal("a cold read did not fill the cache")
	}
	before = e.queries.Load()
	const reads = 100
	for range reads {
		rec := load(t, s, h)
		if show(rec.Data) != `{"a":"x"}` || rec.UserID != "u1" || rec.UserAgent != "Firefox" ||
			!rec.ExpiresAt.Equal(first.ExpiresAt) || !rec.CreatedAt.Equal(first.CreatedAt) || !rec.UpdatedAt.Equal(first.UpdatedAt) {
			t.Fatalf("cached read = %+v, want %+v", rec, first)
		}
	}
	if n := e.queries.Load() - before; n != 0 {
		t.Errorf("%d warm reads sent %d queries, want 0", reads, n)
	}
}

func TestMissingSessionIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.store()
	h := newHash(t)
	for range 2 {
		if _, err := s.Load(context.Background(), h); err != runtime.ErrNotFound {
			t.Fatalf("Load of a missing session = %v, want ErrNotFound", err)
		}
	}
	if e.cached(t, s.Key(h)) {
		t.Error("a missing session was cached")
	}
}

// TestEveryWriteInvalidates warms the cache, writes, and checks the entry is
// gone and the next read sees the write. The control case writes behind the
// cache's back and must read stale data: it shows the check can fail.
func TestEveryWriteInvalidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.store()
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	user := "user-" + rand.Text()
	tests := []struct {
		name  string
		write func(t *testing.T, h runtime.TokenHash) (read runtime.TokenHash, want map[string]json.RawMessage)
		stale bool // the write bypasses the cache: the read must be stale
	}{
		{"UpdateSet", func(t *testing.T, h runtime.TokenHash) (runtime.TokenHash, map[string]json.RawMessage) {
			if err := s.Update(ctx, h, runtime.Change{Set: data("b", "2"), ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
			return h, data("a", "1", "b", "2")
		}, false},
		{"UpdateDelete", func(t *testing.T, h runtime.TokenHash) (runtime.TokenHash, map[string]json.RawMessage) {
			if err := s.Update(ctx, h, runtime.Change{Delete: []string{"a"}, ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
			return h, data()
		}, false},
		{"UpdateExpiryOnly", func(t *testing.T, h runtime.TokenHash) (runtime.TokenHash, map[string]json.RawMessage) {
			if err := s.Update(ctx, h, runtime.Change{ExpiresAt: exp.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			return h, data("a", "1")
		}, false},
		{"Cycle", func(t *testing.T, h runtime.TokenHash) (runtime.TokenHash, map[string]json.RawMessage) {
			next := newHash(t)
			if err := s.Cycle(ctx, h, next, runtime.Change{Set: data("c", "3"), ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
			if e.cached(t, s.Key(h)) {
				t.Error("the old hash is still cached")
			}
			if _, err := s.Load(ctx, h); err != runtime.ErrNotFound {
				t.Errorf("Load of the old hash = %v, want ErrNotFound", err)
			}
			return next, data("a", "1", "c", "3")
		}, false},
		{"Delete", func(t *testing.T, h runtime.TokenHash) (runtime.TokenHash, map[string]json.RawMessage) {
			if err := s.Delete(ctx, h); err != nil {
				t.Fatal(err)
			}
			return h, nil
		}, false},
		{"DeleteUserSessions", func(t *testing.T, h runtime.TokenHash) (runtime.TokenHash, map[string]json.RawMessage) {
			if hs, err := s.DeleteUserSessions(ctx, user, runtime.TokenHash{}); err != nil || len(hs) != 1 || hs[0] != h {
				t.Fatalf("DeleteUserSessions = %v, %v; want %v", hs, err, h)
			}
			return h, nil
		}, false},
		{"ControlWriteBehindTheCache", func(t *testing.T, h runtime.TokenHash) (runtime.TokenHash, map[string]json.RawMessage) {
			if err := e.pg.Update(ctx, h, runtime.Change{Set: data("b", "2"), ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
			return h, data("a", "1")
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid := ""
			if tt.name == "DeleteUserSessions" {
				uid = user
			}
			h := create(t, s, data("a", "1"), runtime.Record{ExpiresAt: exp, UserID: uid})
			wantData(t, s, h, data("a", "1"))
			if !e.cached(t, s.Key(h)) {
				t.Fatal("the read did not fill the cache")
			}
			read, want := tt.write(t, h)
			if !tt.stale && e.cached(t, s.Key(read)) {
				t.Error("the write left a cache entry")
			}
			if want == nil {
				if _, err := s.Load(ctx, read); err != runtime.ErrNotFound {
					t.Errorf("Load after the write = %v, want ErrNotFound", err)
				}
				return
			}
			wantData(t, s, read, want)
			wantData(t, s, read, want) // now from the refilled cache
			if tt.name == "UpdateExpiryOnly" {
				if got := load(t, s, read).ExpiresAt; !got.Equal(exp.Add(time.Hour)) {
					t.Errorf("expiry after update = %v, want %v", got, exp.Add(time.Hour))
				}
			}
		})
	}
}

// refusing is a store whose Update and Cycle write nothing and fail with
// err, wrapped as a store would wrap it.
type refusing struct {
	runtime.Store
	err error
}

func (r refusing) Update(context.Context, runtime.TokenHash, runtime.Change) error {
	return fmt.Errorf("store: update: %w", r.err)
}

func (r refusing) Cycle(context.Context, runtime.TokenHash, runtime.TokenHash, runtime.Change) error {
	return fmt.Errorf("store: cycle: %w", r.err)
}

// TestRefusedWritesPassThroughAndInvalidate checks that the wrapped store's
// refusals reach the middleware as it tests them, and that a refused write
// still invalidates: the cache cannot tell a refusal from a failure that
// committed, and invalidating more than needed costs one read.
func TestRefusedWritesPassThroughAndInvalidate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	writes := map[string]func(s runtime.Store, h runtime.TokenHash) error{
		"Update": func(s runtime.Store, h runtime.TokenHash) error {
			return s.Update(ctx, h, runtime.Change{Set: data("a", "2"), ExpiresAt: exp, Expect: data("a", "0"), MaxSize: 1})
		},
		"Cycle": func(s runtime.Store, h runtime.TokenHash) error {
			return s.Cycle(ctx, h, newHash(t), runtime.Change{Set: data("a", "2"), ExpiresAt: exp})
		},
	}
	refusals := []struct {
		name string
		err  error
	}{
		{"ErrConflict", runtime.ErrConflict},
		{"ErrTooLarge", runtime.ErrTooLarge},
		{"ErrNotFound", runtime.ErrNotFound},
	}
	for _, tt := range refusals {
		for op, write := range writes {
			t.Run(op+"/"+tt.name, func(t *testing.T) {
				s := e.storeOver(refusing{Store: e.pg, err: tt.err})
				h := create(t, s, data("a", "1"), runtime.Record{ExpiresAt: exp})
				wantData(t, s, h, data("a", "1"))
				err := write(s, h)
				switch {
				case !errors.Is(err, tt.err):
					t.Errorf("%s = %v, want an error wrapping %q", op, err, tt.err)
				case tt.err == runtime.ErrNotFound && err != runtime.ErrNotFound:
					t.Errorf("%s = %v, want runtime.ErrNotFound itself", op, err)
				case tt.err != runtime.ErrNotFound && !strings.HasPrefix(err.Error(), "cachestore: "):
					t.Errorf("%s = %q, want it prefixed %q", op, err, "cachestore: ")
				}
				if e.cached(t, s.Key(h)) {
					t.Errorf("a refused %s left the cache entry", op)
				}
			})
		}
	}
}

func TestEntriesExpireWithTheSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		life    time.Duration // of the session
		maxTTL  time.Duration
		wantMax time.Duration // the entry's TTL is at most this
	}{
		{"SessionEndsFirst", 1500 * time.Millisecond, time.Hour, 1500 * time.Millisecond},
		{"MaxTTLEndsFirst", time.Hour, 1200 * time.Millisecond, 1200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := e.store(cachestore.WithMaxTTL(tt.maxTTL))
			h := create(t, s, data("a", "1"), runtime.Record{ExpiresAt: time.Now().Add(tt.life)})
			load(t, s, h)
			ttl, err := e.rdb.PTTL(ctx, s.Key(h)).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl <= 0 || ttl > tt.wantMax {
				t.Fatalf("entry TTL = %v, want in (0, %v]", ttl, tt.wantMax)
			}
			eventually(t, "the entry to expire", func() bool { return !e.cached(t, s.Key(h)) })
			if tt.life < time.Minute {
				eventually(t, "the session to expire", func() bool {
					_, err := s.Load(ctx, h)
					return err == runtime.ErrNotFound
				})
				if e.cached(t, s.Key(h)) {
					t.Error("an expired session was cached again")
				}
			}
		})
	}
}

// TestConcurrentWritersThroughTwoCaches runs, through two stores that share
// Redis and PostgreSQL as two app instances would, readers that keep the
// cache warm and writers that each change a key of their own, as the
// middleware does (load, then a per-key update). Every write must survive,
// and both stores must read them all afterwards.
func TestConcurrentWritersThroughTwoCaches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stores := []*cachestore.Store{e.store(), e.store()}
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	h := create(t, stores[0], data("kept", `"yes"`), runtime.Record{ExpiresAt: exp})
	const writers, rounds = 20, 5
	want := data("kept", `"yes"`)
	for i := range writers {
		want[fmt.Sprintf("k%02d", i)] = json.RawMessage(fmt.Sprint(rounds - 1))
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for i := range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := stores[i%2].Load(ctx, h); err != nil {
					t.Errorf("reader: %v", err)
					return
				}
			}
		})
	}
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			s := stores[i%2]
			k := fmt.Sprintf("k%02d", i)
			for r := range rounds {
				if _, err := s.Load(ctx, h); err != nil {
					t.Errorf("writer %s: load: %v", k, err)
					return
				}
				if err := s.Update(ctx, h, runtime.Change{Set: data(k, fmt.Sprint(r)), ExpiresAt: exp}); err != nil {
					t.Errorf("writer %s: update: %v", k, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	for i, s := range stores {
		for range 2 { // the first read may fill, the second is from the cache
			if got := load(t, s, h).Data; show(got) != show(want) {
				t.Errorf("store %d reads %s, want %s", i, show(got), show(want))
			}
		}
	}
}

func TestExtrasPassThrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.store()
	ctx := context.Background()
	user := "user-" + rand.Text()
	live := create(t, s, data("a", "1"), runtime.Record{UserID: user})
	old := create(t, s, data("a", "1"), runtime.Record{ExpiresAt: time.Now().Add(-time.Hour)})
	infos, err := s.UserSessions(ctx, user)
	if err != nil || len(infos) != 1 || infos[0].Hash != live {
		t.Fatalf("UserSessions = %+v, %v; want the one live session", infos, err)
	}
	if rec, err := s.FindSession(ctx, old); err != nil || show(rec.Data) != `{"a":1}` {
		t.Fatalf("FindSession of an expired session = %+v, %v", rec, err)
	}
	if _, err := s.FindSession(ctx, newHash(t)); err != runtime.ErrNotFound {
		t.Fatalf("FindSession of a missing session = %v, want ErrNotFound", err)
	}
	if list, total, err := s.ListSessions(ctx, user, 0, 10); err != nil || total != 1 || len(list) != 1 {
		t.Fatalf("ListSessions = %+v, %d, %v", list, total, err)
	}
	if n, err := s.DeleteExpired(ctx, 0); err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
	}
	bare := cachestore.New(runtime.Store(onlyStore{s}), e.rdb, cachestore.WithPrefix(e.prefix))
	if _, err := bare.DeleteExpired(ctx, 0); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("DeleteExpired over a store without it = %v, want ErrUnsupported", err)
	}
	if _, err := bare.UserSessions(ctx, user); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("UserSessions over a store without it = %v, want ErrUnsupported", err)
	}
}

// onlyStore hides every method but runtime.Store's.
type onlyStore struct{ runtime.Store }

// TestMetricsCountHitsAndMisses checks the events a Store reports: a miss
// for each load that went to the wrapped store, a hit for each that Redis
// served.
func TestMetricsCountHitsAndMisses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var mu sync.Mutex
	counts := map[string]int{}
	s := e.store(cachestore.WithMetrics(func(ev runtime.Event) {
		mu.Lock()
		defer mu.Unlock()
		counts[ev.String()]++
	}))
	h := create(t, s, data("a", "1"), runtime.Record{})
	load(t, s, h) // a miss that fills the cache
	load(t, s, h)
	load(t, s, h)
	if _, err := s.Load(context.Background(), newHash(t)); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if counts["cache_miss"] != 2 || counts["cache_hit"] != 2 || len(counts) != 2 {
		t.Errorf("events %v, want 2 misses (the first load, the unknown session) and 2 hits", counts)
	}
}
