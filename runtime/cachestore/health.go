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
	replaying   bool      // Redis answers again; reads wait for the replay
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
// be down, no replay is owed, and no bypass is in force.
func (h *health) readable() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		h.maybeCheck()
		return false
	}
	return !h.replaying && !time.Now().Before(h.bypassUntil)
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
// invalidations; only when they are done does the cache come back into use
// for reads.
func (h *health) check() {
	defer func() {
		h.mu.Lock()
		h.checking, h.replaying = false, false
		h.nextCheck = time.Now().Add(h.s.cfg.retryInterval)
		h.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), h.s.cfg.timeout)
	err := h.s.rdb.Ping(ctx).Err()
	cancel()
	if err != nil {
		h.fail("health check", err, nil)
		return
	}
	batch, overflow := h.reopen()
	for chunk := range slices.Chunk(batch, replayBatch) {
		ctx, cancel := context.WithTimeout(context.Background(), h.s.cfg.timeout)
		err := h.s.invalidateNow(ctx, chunk)
		cancel()
		if err != nil {
			h.fail("replay invalidations", err, batch)
			return
		}
	}
	h.recovered(len(batch), overflow)
}

// reopen takes the pending invalidations for replay and lets writes
// invalidate for themselves again, in one step: each write's invalidation
// is either in the batch or sent by the write after the batch was taken.
// Were writes still deferred during the replay, a write to a hash already
// in the batch would be dropped with it, though another instance may have
// cached the session between the replayed invalidation and that write.
func (h *health) reopen() (batch []runtime.TokenHash, overflow bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	batch = slices.Collect(maps.Keys(h.pending))
	clear(h.pending)
	overflow = h.overflow
	if overflow {
		// Invalidations were lost: any entry written before now may be
		// stale, and none outlives the maximum TTL.
		h.overflow = false
		h.bypassUntil = time.Now().Add(h.s.cfg.maxTTL + h.s.cfg.timeout)
	}
	h.down, h.replaying = false, true
	return batch, overflow
}

// recovered puts the cache back into use for reads after a replay, unless
// Redis failed again meanwhile.
func (h *health) recovered(replayed int, overflow bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.replaying = false
	if h.down {
		return
	}
	now := time.Now()
	if h.lastInfo.IsZero() || now.Sub(h.lastInfo) >= h.s.cfg.logInterval {
		h.s.cfg.logger.LogAttrs(context.Background(), slog.LevelInfo,
			"cachestore: redis available again; the cache is back in use",
			slog.Int("replayed_invalidations", replayed), slog.Bool("bypass_after_overflow", overflow))
		h.lastInfo = now
	}
}
