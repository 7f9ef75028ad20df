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
	down        bool            // Redis failed; nothing goes to it until a check succeeds
	downNodes   map[string]bool // cluster masters that failed, as down for their slots
	replaying   bool            // Redis answers again; reads wait for the replay
	checking    bool            // a check runs
	scheduled   bool            // a timer will start a check
	nextCheck   time.Time       // no check starts before
	pending     map[runtime.TokenHash]struct{}
	overflow    bool      // invalidations were lost: bypass reads for maxTTL once back
	bypassUntil time.Time // reads skip the cache until then
	lastWarn    time.Time // the last "unavailable" log
	lastInfo    time.Time // the last "available again" log
	suppressed  int       // failures not logged since lastWarn
}

func newHealth(s *Store) *health {
	return &health{s: s, pending: map[runtime.TokenHash]struct{}{}, downNodes: map[string]bool{}}
}

// isDown reports whether the node at addr ("" for a single Redis, or for
// all of Redis) counts as down. The caller holds mu.
func (h *health) isDown(addr string) bool { return h.down || h.downNodes[addr] }

// anyDown reports whether some node counts as down. The caller holds mu.
func (h *health) anyDown() bool { return h.down || len(h.downNodes) > 0 }

// readable reports whether reads of a key that the node at addr holds may
// use the cache: that node is not known to be down, no replay is owed,
// and no bypass is in force.
func (h *health) readable(addr string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.isDown(addr) {
		h.maybeCheck()
		return false
	}
	return !h.replaying && !time.Now().Before(h.bypassUntil)
}

// deferIfDown remembers hs for replay and reports true when Redis is down
// as a whole; otherwise it reports false and the caller invalidates hs
// itself. It is one step, so a write never slips between a recovery and
// its replay.
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

// fail records that a Redis call of op, on the cluster master at addr or
// on Redis as a whole when addr is "", failed with err; hs are the hashes
// whose invalidation it owes.
func (h *health) fail(op string, err error, hs []runtime.TokenHash, addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.addPending(hs)
	if !h.anyDown() {
		h.nextCheck = time.Now().Add(h.s.cfg.retryInterval)
	}
	if addr == "" {
		h.down = true
	} else {
		h.downNodes[addr] = true
	}
	h.schedule()
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

// schedule makes sure a check starts once the retry interval has passed,
// even if no read or write comes to start it: a cluster's reads go on
// without the masters marked down, and what they owe must be replayed.
// The caller holds mu.
func (h *health) schedule() {
	if h.checking || h.scheduled {
		return
	}
	h.scheduled = true
	time.AfterFunc(time.Until(h.nextCheck), func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.scheduled = false
		h.maybeCheck()
	})
}

// check pings Redis and, when it answers, replays the pending
// invalidations; only when they are done does the cache come back into use
// for reads.
func (h *health) check() {
	defer func() {
		h.mu.Lock()
		h.checking, h.replaying = false, false
		h.nextCheck = time.Now().Add(h.s.cfg.retryInterval)
		if h.anyDown() {
			h.schedule()
		}
		h.mu.Unlock()
	}()
	if h.s.nodes.cc != nil {
		// A cluster is checked by the replay itself, node by node, on a
		// fresh slot map: one failed master must not stop the others.
		h.s.nodes.refresh()
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), h.s.cfg.timeout)
		err := h.s.rdb.Ping(ctx).Err()
		cancel()
		if err != nil {
			h.fail("health check", err, nil, "")
			return
		}
	}
	batch, overflow := h.reopen()
	if !h.s.invalidateChunks(context.Background(), "replay invalidations", batch) {
		h.recovered(len(batch), overflow)
	}
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
	clear(h.downNodes)
	return batch, overflow
}

// recovered puts the cache back into use for reads after a replay, unless
// Redis failed again meanwhile.
func (h *health) recovered(replayed int, overflow bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.replaying = false
	if h.anyDown() {
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
