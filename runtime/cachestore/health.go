package cachestore

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// replayBatch is how many hashes one pipeline of a replay invalidates.
const replayBatch = 500

// health tracks whether a Store may use Redis, and the invalidations it
// owes Redis from the time it could not.
type health struct {
	s *Store

	mu          sync.Mutex
	down        bool      // Redis failed; nothing goes to it until a check succeeds
	checking    bool      // a check runs
	nextCheck   time.Time // no check starts before
	pending     map[runtime.TokenHash]struct{}
	overflow    bool      // invalidations were lost: bypass reads for maxTTL once back
	bypassUntil time.Time // reads skip the cache until then
	lastWarn    time.Time // the last "unavailable" log
	lastInfo    time.Time // the last "available again" log
	suppressed  int       // failures not logged since lastWarn
}

func newHealth(s *Store) *health {
	return &health{s: s, pending: map[runtime.TokenHash]struct{}{}}
}

// readable reports whether reads may use the cache: Redis is not known to
// be down and no bypass is in force.
func (h *health) readable() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		h.maybeCheck()
		return false
	}
	return !time.Now().Before(h.bypassUntil)
}

// deferIfDown remembers hs for replay and reports true when Redis is down;
// otherwise it reports false and the caller invalidates hs itself. It is
// one step, so a write never slips between a recovery and its replay.
func (h *health) deferIfDown(hs []runtime.TokenHash) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down {
		return false
	}
	h.addPending(hs)
	h.maybeCheck()
	return true
}

// fail records that a Redis call of op failed with err; hs are the hashes
// whose invalidation it owes.
func (h *health) fail(op string, err error, hs []runtime.TokenHash) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.addPending(hs)
	if !h.down {
		h.down = true
		h.nextCheck = time.Now().Add(h.s.cfg.retryInterval)
	}
	now := time.Now()
	if !h.lastWarn.IsZero() && now.Sub(h.lastWarn) < h.s.cfg.logInterval {
		h.suppressed++
		return
	}
	h.s.cfg.logger.LogAttrs(context.Background(), slog.LevelWarn,
		"cachestore: redis unavailable; sessions are served from the wrapped store without the cache",
		slog.String("op", op), slog.String("error", err.Error()), slog.Int("unlogged_failures", h.suppressed))
	h.lastWarn, h.suppressed = now, 0
}

// addPending remembers hs for replay. The caller holds mu.
func (h *health) addPending(hs []runtime.TokenHash) {
	if h.overflow {
		return
	}
	for _, x := range hs {
		if len(h.pending) >= h.s.cfg.maxPending {
			h.overflow = true
			clear(h.pending)
			return
		}
		h.pending[x] = struct{}{}
	}
}

// maybeCheck starts a check in the background unless one runs or the
// retry interval has not passed. The caller holds mu.
func (h *health) maybeCheck() {
	if h.checking || time.Now().Before(h.nextCheck) {
		return
	}
	h.checking = true
	go h.check()
}

// check pings Redis and, when it answers, replays the pending
// invalidations; only when none is left does the cache come back into use.
func (h *health) check() {
	defer func() {
		h.mu.Lock()
		h.checking = false
		h.nextCheck = time.Now().Add(h.s.cfg.retryInterval)
		h.mu.Unlock()
	}()
	replayed := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), h.s.cfg.timeout)
		err := h.s.rdb.Ping(ctx).Err()
		cancel()
		if err != nil {
			h.fail("health check", err, nil)
			return
		}
		h.mu.Lock()
		batch := slices.Collect(maps.Keys(h.pending))
		overflow := h.overflow
		h.mu.Unlock()
		for chunk := range slices.Chunk(batch, replayBatch) {
			ctx, cancel := context.WithTimeout(context.Background(), h.s.cfg.timeout)
			err := h.s.invalidateNow(ctx, chunk)
			cancel()
			if err != nil {
				h.fail("replay invalidations", err, nil)
				return
			}
		}
		replayed += len(batch)
		h.mu.Lock()
		for _, x := range batch {
			delete(h.pending, x)
		}
		if overflow {
			// Invalidations were lost: any entry written before now may be
			// stale, and none outlives the maximum TTL.
			h.overflow = false
			h.bypassUntil = time.Now().Add(h.s.cfg.maxTTL + h.s.cfg.timeout)
		}
		if len(h.pending) == 0 && !h.overflow {
			h.down = false
			now := time.Now()
			if h.lastInfo.IsZero() || now.Sub(h.lastInfo) >= h.s.cfg.logInterval {
				h.s.cfg.logger.LogAttrs(context.Background(), slog.LevelInfo,
					"cachestore: redis available again; the cache is back in use",
					slog.Int("replayed_invalidations", replayed), slog.Bool("bypass_after_overflow", overflow))
				h.lastInfo = now
			}
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
	}
}
