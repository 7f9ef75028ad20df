package cachestore

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
)

// Defaults of the options.
const (
	// DefaultPrefix starts every Redis key the Store writes.
	DefaultPrefix = "sessiongen:"
	// DefaultMaxTTL bounds how long an entry stays in Redis.
	DefaultMaxTTL = 10 * time.Minute
	// DefaultTimeout bounds each Redis call.
	DefaultTimeout = 200 * time.Millisecond
	// DefaultRetryInterval is how often a Store checks whether Redis is
	// back after a failure.
	DefaultRetryInterval = time.Second
	// DefaultLogInterval is how often, at most, a Store logs that Redis is
	// unavailable.
	DefaultLogInterval = time.Minute
	// DefaultMaxPending bounds how many failed invalidations a Store
	// remembers to replay when Redis comes back.
	DefaultMaxPending = 100_000
)

// generationTTL is how long a session's generation key lives after it is
// set or renewed: long enough for a read that misses to fill the cache.
// Its expiry only makes a fill fail, never succeed wrongly.
const generationTTL = time.Minute

// Store is a runtime.Store that caches another store's sessions in Redis.
// Its methods are safe for concurrent use.
type Store struct {
	next   runtime.Store
	rdb    redis.UniversalClient
	cfg    config
	health *health
	nodes  *nodes
}

var _ runtime.Store = (*Store)(nil)

// config holds a Store's settings.
type config struct {
	prefix        string
	maxTTL        time.Duration
	timeout       time.Duration
	retryInterval time.Duration
	logInterval   time.Duration
	maxPending    int
	logger        *slog.Logger
	observe       func(runtime.Event)
}

// Option configures a Store. An option that takes a duration or a count
// treats zero or less as "the default", as every option of sessiongen's
// packages does.
type Option func(*config)

// WithPrefix sets the prefix of the Store's Redis keys (DefaultPrefix by
// default). Stores that share a Redis and a table must use the same one.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithMaxTTL bounds how long an entry stays in Redis, whatever its
// session's expiry (DefaultMaxTTL by default). It also bounds how long
// another instance may serve a stale entry after a failed invalidation.
func WithMaxTTL(d time.Duration) Option { return func(c *config) { c.maxTTL = d } }

// WithTimeout bounds each Redis call (DefaultTimeout by default). A call
// that takes longer counts as Redis being unavailable.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithRetryInterval sets how often, while Redis is unavailable, the Store
// checks whether it is back (DefaultRetryInterval by default).
func WithRetryInterval(d time.Duration) Option { return func(c *config) { c.retryInterval = d } }

// WithLogInterval sets how often, at most, the Store logs that Redis is
// unavailable (DefaultLogInterval by default).
func WithLogInterval(d time.Duration) Option { return func(c *config) { c.logInterval = d } }

// WithMaxPending bounds how many failed invalidations the Store remembers
// for replay (DefaultMaxPending by default); past it, the Store bypasses
// the cache for the maximum TTL after Redis comes back.
func WithMaxPending(n int) Option { return func(c *config) { c.maxPending = n } }

// WithLogger sets the logger of Redis outages (slog.Default() by default).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithMetrics sets a function that the Store calls with runtime.EventCacheHit
// for each load that Redis served and runtime.EventCacheMiss for each that
// went to the wrapped store (default none): the same function as the
// Manager's runtime.WithMetrics, so that one counter holds every event. It
// must be quick, and safe for concurrent use.
func WithMetrics(observe func(runtime.Event)) Option {
	return func(c *config) { c.observe = observe }
}

// New returns a Store that keeps sessions in next and caches them in rdb.
// The client stays the caller's to close; give it ContextTimeoutEnabled so
// that the Store's timeouts bound its calls.
func New(next runtime.Store, rdb redis.UniversalClient, opts ...Option) *Store {
	cfg := config{
		prefix:        DefaultPrefix,
		maxTTL:        DefaultMaxTTL,
		timeout:       DefaultTimeout,
		retryInterval: DefaultRetryInterval,
		logInterval:   DefaultLogInterval,
		maxPending:    DefaultMaxPending,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.maxTTL <= 0 {
		cfg.maxTTL = DefaultMaxTTL
	}
	if cfg.timeout <= 0 {
		cfg.timeout = DefaultTimeout
	}
	if cfg.retryInterval <= 0 {
		cfg.retryInterval = DefaultRetryInterval
	}
	if cfg.logInterval <= 0 {
		cfg.logInterval = DefaultLogInterval
	}
	if cfg.maxPending <= 0 {
		cfg.maxPending = DefaultMaxPending
	}
	s := &Store{next: next, rdb: rdb, cfg: cfg}
	s.health = newHealth(s)
	s.nodes = newNodes(s)
	return s
}

// Key returns the Redis key of the cache entry of the session under h.
func (s *Store) Key(h runtime.TokenHash) string {
	return s.cfg.prefix + "{" + h.String() + "}"
}

// genKey returns the Redis key of the generation of the session under h.
func (s *Store) genKey(h runtime.TokenHash) string {
	return s.Key(h) + ":gen"
}

// readScript, run after a GET missed, returns {1, entry} if the entry is
// there now; otherwise it makes sure the generation key exists, renews it,
// and returns {0, generation}.
var readScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
redis.call('SET', KEYS[2], ARGV[1], 'NX')
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {0, redis.call('GET', KEYS[2])}
`)

// fillScript stores the entry ARGV[2] for ARGV[3] milliseconds if the
// generation is still ARGV[1], and returns 1 if it did.
var fillScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`)

// newGeneration returns a random generation value.
func newGeneration() string { return rand.Text() }

// Load returns the live session under h: from Redis when it is cached
// there, else from the wrapped store, caching it.
func (s *Store) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	gen := ""
	addr, usable := s.nodes.route(ctx, s.Key(h))
	if usable && s.health.readable(addr) {
		rec, g, hit, err := s.read(ctx, h)
		switch {
		case err != nil:
			s.failed(ctx, "read", err, addr)
		case hit:
			s.event(runtime.EventCacheHit)
			return rec, nil
		default:
			gen = g
		}
	}
	s.event(runtime.EventCacheMiss)
	rec, err := s.next.Load(ctx, h)
	if errors.Is(err, runtime.ErrNotFound) {
		return runtime.Record{}, runtime.ErrNotFound
	}
	if err != nil {
		return runtime.Record{}, fmt.Errorf("cachestore: load session: %w", err)
	}
	if gen != "" && s.health.readable(addr) {
		if err := s.fill(ctx, h, gen, rec); err != nil {
			s.failed(ctx, "fill", err, addr)
		}
	}
	return rec, nil
}

// event reports e to the metrics function, if any.
func (s *Store) event(e runtime.Event) {
	if s.cfg.observe != nil {
		s.cfg.observe(e)
	}
}

// read looks h up in Redis. On a hit it returns the record; on a miss, the
// generation to fill with ("" when the entry must not be filled).
func (s *Store) read(ctx context.Context, h runtime.TokenHash) (rec runtime.Record, gen string, hit bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	defer cancel()
	// A hit is a plain GET: no script, so Redis does not copy the entry
	// into Lua. Only a miss runs the script, which looks again.
	b, err := s.rdb.Get(ctx, s.Key(h)).Bytes()
	if errors.Is(err, redis.Nil) {
		// The GET's miss is no failure: err must come from the script
		// alone, which also finds an entry filled since the GET.
		if b, gen, hit, err = s.lookAgain(ctx, h); err == nil && !hit {
			return runtime.Record{}, gen, false, nil
		}
	}
	if err != nil {
		return runtime.Record{}, "", false, err
	}
	rec, err = decodeRecord(b)
	if err != nil || !rec.ExpiresAt.After(time.Now()) {
		// An entry of another format (a newer release's, during a rolling
		// deploy) or one past its session's expiry is not served, nor
		// replaced: the wrapped store answers.
		return runtime.Record{}, "", false, nil
	}
	return rec, "", true, nil
}

// lookAgain runs the read script after a GET of h's entry missed. It
// returns the entry and true when one was filled since, and otherwise the
// generation to fill with.
func (s *Store) lookAgain(ctx context.Context, h runtime.TokenHash) (entry []byte, gen string, hit bool, err error) {
	res, err := readScript.Run(ctx, s.rdb, []string{s.Key(h), s.genKey(h)}, newGeneration(), generationTTL.Milliseconds()).Slice()
	if err != nil {
		return nil, "", false, err
	}
	if len(res) != 2 {
		return nil, "", false, fmt.Errorf("read script returned %d values", len(res))
	}
	v, _ := res[1].(string)
	if n, _ := res[0].(int64); n == 1 {
		return []byte(v), "", true, nil
	}
	return nil, v, false, nil
}

// fill caches rec under h if the generation is still gen.
func (s *Store) fill(ctx context.Context, h runtime.TokenHash, gen string, rec runtime.Record) error {
	ttl := min(time.Until(rec.ExpiresAt), s.cfg.maxTTL).Truncate(time.Millisecond)
	if ttl <= 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	defer cancel()
	return fillScript.Run(ctx, s.rdb, []string{s.Key(h), s.genKey(h)}, gen, encodeRecord(rec), ttl.Milliseconds()).Err()
}

// Create stores a new session under h in the wrapped store, then
// invalidates any cache entry under h.
func (s *Store) Create(ctx context.Context, h runtime.TokenHash, rec runtime.Record) error {
	err := s.next.Create(ctx, h, rec)
	s.invalidate(ctx, h)
	if err != nil {
		return fmt.Errorf("cachestore: create session: %w", err)
	}
	return nil
}

// Update applies c to the session under h in the wrapped store, then
// invalidates its cache entry. It returns runtime.ErrNotFound when the
// wrapped store does. The sessions the wrapped store deletes for
// c.MaxUserSessions are invalidated too, before c.Ended hears of them.
func (s *Store) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	err := s.next.Update(ctx, h, s.forgetEnded(ctx, c))
	s.invalidate(ctx, h)
	return wrap("update session", err)
}

// Cycle moves the session under from to to in the wrapped store, then
// invalidates the cache entries of both hashes, and of the sessions it
// deletes for c.MaxUserSessions, as Update does.
func (s *Store) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	err := s.next.Cycle(ctx, from, to, s.forgetEnded(ctx, c))
	s.invalidate(ctx, from, to)
	return wrap("cycle session", err)
}

// Delete removes the session under h from the wrapped store, then
// invalidates its cache entry.
func (s *Store) Delete(ctx context.Context, h runtime.TokenHash) error {
	err := s.next.Delete(ctx, h)
	s.invalidate(ctx, h)
	if err != nil {
		return fmt.Errorf("cachestore: delete session: %w", err)
	}
	return nil
}

// wrap adds context to a failure of op, and returns runtime.ErrNotFound
// and nil as they are.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, runtime.ErrNotFound) {
		return runtime.ErrNotFound
	}
	return fmt.Errorf("cachestore: %s: %w", op, err)
}

// invalidate makes the cache entries of hs, if any, unusable: for each, a
// fresh generation, so that no fill begun before can land, then a delete
// of the entry. It runs after the write to the wrapped store, whether or
// not that write reported success (a failure may still have committed),
// and is not cut short by ctx's cancellation. When Redis is unavailable,
// the hashes are remembered and invalidated when it is back.
func (s *Store) invalidate(ctx context.Context, hs ...runtime.TokenHash) {
	ctx = context.WithoutCancel(ctx)
	if s.nodes.cc != nil && len(hs) <= maxSingly {
		s.invalidateSingly(ctx, "invalidate", hs)
		return
	}
	if s.nodes.cc == nil && s.health.deferIfDown(hs) {
		return
	}
	s.invalidateChunks(ctx, "invalidate", hs)
}

// invalidateChunks invalidates hs in pipelines of replayBatch hashes, and
// reports whether any failed. On a single Redis, a failed pipeline marks
// Redis down, and the hashes not sent yet are remembered for replay.
func (s *Store) invalidateChunks(ctx context.Context, op string, hs []runtime.TokenHash) bool {
	failed := false
	for i := 0; i < len(hs); i += replayBatch {
		if !s.invalidateChunk(ctx, op, hs[i:min(i+replayBatch, len(hs))]) {
			continue
		}
		failed = true
		if s.nodes.cc == nil {
			s.health.deferIfDown(hs[min(i+replayBatch, len(hs)):])
			break
		}
	}
	return failed
}

// maxSingly is how many hashes, at most, a cluster's invalidation sends
// one command each (invalidateSingly) rather than in a pipeline first:
// those of one request's write.
const maxSingly = 2

// invalidateScript gives the session of the entry KEYS[1] the generation
// ARGV[1] (its key KEYS[2], for ARGV[2] milliseconds) and deletes the
// entry: an invalidation as one command.
var invalidateScript = redis.NewScript(`
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[1])
return 1
`)

// invalidateSingly invalidates each of hs on a cluster with a command of
// its own, whatever masters are marked down, and reports whether any
// failed. An invalidation put off is one another instance may serve stale
// meanwhile; and go-redis retries a command that meets a dead master on
// another node, whose MOVED leads it to the replica that took over, which
// it does not for a pipeline. One that fails is tried again on a fresh
// slot map, then remembered for replay, its master marked down.
func (s *Store) invalidateSingly(ctx context.Context, op string, hs []runtime.TokenHash) bool {
	failed := false
	for _, h := range hs {
		err := s.invalidateOne(ctx, h)
		if err != nil {
			s.nodes.refresh()
			err = s.invalidateOne(ctx, h)
		}
		if err != nil {
			s.health.fail(op, err, []runtime.TokenHash{h}, s.nodes.addr(ctx, s.Key(h)))
			failed = true
		}
	}
	return failed
}

// invalidateOne runs invalidateScript for h, bounded by the timeout.
func (s *Store) invalidateOne(ctx context.Context, h runtime.TokenHash) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	defer cancel()
	return invalidateScript.Run(ctx, s.rdb, []string{s.Key(h), s.genKey(h)}, newGeneration(), generationTTL.Milliseconds()).Err()
}

// invalidateChunk sends the invalidation of hs to Redis in one pipeline,
// bounded by the Store's timeout, and reports whether any failed. Those
// that failed on a cluster are sent again singly (invalidateSingly); on a
// single Redis they are remembered for replay.
func (s *Store) invalidateChunk(ctx context.Context, op string, hs []runtime.TokenHash) bool {
	if len(hs) == 0 {
		return false
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.timeout)
	cmds, err := s.rdb.Pipelined(pctx, func(p redis.Pipeliner) error {
		for _, h := range hs {
			p.Set(pctx, s.genKey(h), newGeneration(), generationTTL)
			p.Del(pctx, s.Key(h))
		}
		return nil
	})
	cancel()
	if err == nil {
		return false
	}
	if s.nodes.cc == nil {
		s.health.fail(op, err, hs, "")
		return true
	}
	var retry []runtime.TokenHash
	for i, h := range hs {
		if pairErr(cmds, i, err) != nil {
			retry = append(retry, h)
		}
	}
	return s.invalidateSingly(ctx, op, retry)
}

// pairErr returns the error of the i-th hash's two commands of an
// invalidation pipeline, or err when the pipeline did not return them.
func pairErr(cmds []redis.Cmder, i int, err error) error {
	if len(cmds) < 2*i+2 {
		return err
	}
	return cmp.Or(cmds[2*i].Err(), cmds[2*i+1].Err())
}

// failed records that a Redis read or fill, on the cluster master at addr
// ("" for a single Redis), failed, unless ctx, the caller's, ended first,
// which says nothing about Redis.
func (s *Store) failed(ctx context.Context, op string, err error, addr string) {
	if ctx.Err() != nil {
		return
	}
	s.health.fail(op, err, nil, addr)
}
