package cachestore

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// refreshEvery is how often, at most, a Store reads a cluster's slot map
// again because a write met a master it knows to be down.
const refreshEvery = 100 * time.Millisecond

// cleanBatch is how many keys one SCAN of a cleaning asks for, and at
// most how many keys one pipeline of UNLINKs removes.
const cleanBatch = 1000

// nodes routes a Store's keys to the masters of a Redis Cluster, and
// keeps the cache away from a master until the Store has cleaned it.
//
// A replica promoted by a failover holds what it had replicated before
// its master died: entries that writes made since, whose invalidations
// could not reach the dead master, have made stale, and even entries
// whose invalidation the dead master acknowledged but never sent on.
// Those writes may be another instance's, which only that instance would
// replay. So a master that was not among the masters this Store first
// saw, or that has stopped being a master since, is cleaned before the
// Store serves from it: every key under the Store's prefix on it is
// removed (entries and generations alike, so no fill begun before lands),
// and reads of its slots go to the wrapped store meanwhile. A key written
// on it during the cleaning is one the Store wrote since, after the
// failover: fresh, or invalidated by its writer.
//
// For a client that is not a *redis.ClusterClient, there is one node,
// named "", always usable; Redis's health alone decides.
type nodes struct {
	s  *Store
	cc *redis.ClusterClient // nil for a single Redis

	startMu   sync.Mutex  // held while the first slot map is read
	ready     atomic.Bool // known holds the masters of the first slot map
	nextStart time.Time   // no new try to read it before

	mu       sync.Mutex
	known    map[string]bool // masters the Store may serve from
	cleaning map[string]bool // masters being cleaned
	reloaded time.Time       // the last refresh
}

func newNodes(s *Store) *nodes {
	cc, _ := s.rdb.(*redis.ClusterClient)
	return &nodes{s: s, cc: cc, known: map[string]bool{}, cleaning: map[string]bool{}}
}

// addr returns the address of the master that holds key, as the client's
// slot map says, or "" for a single Redis or when the map is unknown.
func (n *nodes) addr(ctx context.Context, key string) string {
	if n.cc == nil {
		return ""
	}
	c, err := n.cc.MasterForKey(ctx, key)
	if err != nil {
		return ""
	}
	return c.Options().Addr
}

// route returns the address of the master that holds key and whether the
// cache may be read there: false while the Store does not know the
// cluster's masters yet, or while that master is new to it and not yet
// cleaned, whose cleaning it then starts.
func (n *nodes) route(ctx context.Context, key string) (string, bool) {
	if n.cc == nil {
		return "", true
	}
	if !n.start() {
		return "", false
	}
	c, err := n.cc.MasterForKey(ctx, key)
	if err != nil {
		return "", false
	}
	addr := c.Options().Addr
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.known[addr] {
		return addr, true
	}
	if !n.cleaning[addr] {
		n.cleaning[addr] = true
		go n.clean(c, addr)
	}
	return addr, false
}

// start learns, once, the cluster's masters, which the Store may serve
// from without cleaning them: none has been promoted since the Store
// began. Callers wait for the first try; after a failed one, another is
// made at most once per retry interval, and reports false meanwhile.
func (n *nodes) start() bool {
	n.startMu.Lock()
	defer n.startMu.Unlock()
	if n.ready.Load() {
		return true
	}
	if time.Now().Before(n.nextStart) {
		return false
	}
	masters, err := n.masters()
	if err != nil {
		n.nextStart = time.Now().Add(n.s.cfg.retryInterval)
		n.s.health.fail("read the slot map", err, nil, "")
		return false
	}
	n.mu.Lock()
	for addr := range masters {
		n.known[addr] = true
	}
	n.mu.Unlock()
	n.ready.Store(true)
	return true
}

// refresh reads the cluster's slot map again, unless it did less than
// refreshEvery ago: after a failover it names the promoted master, which
// the client would otherwise only learn of later.
func (n *nodes) refresh() {
	n.mu.Lock()
	if n.cc == nil || time.Since(n.reloaded) < refreshEvery {
		n.mu.Unlock()
		return
	}
	n.reloaded = time.Now()
	n.mu.Unlock()
	_, _ = n.masters() // on failure the client keeps the map it had
}

// masters returns the addresses of the masters of a freshly read slot map.
func (n *nodes) masters() (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), n.s.cfg.timeout)
	defer cancel()
	var mu sync.Mutex
	out := map[string]bool{}
	err := n.cc.ForEachMaster(ctx, func(_ context.Context, c *redis.Client) error {
		mu.Lock()
		out[c.Options().Addr] = true
		mu.Unlock()
		return nil
	})
	return out, err
}

// clean removes every key under the Store's prefix from the master at
// addr, then lets the Store serve from it. It also forgets the known
// masters that are masters no more, so that one promoted again later is
// cleaned in its turn.
func (n *nodes) clean(c *redis.Client, addr string) {
	removed, err := n.unlinkAll(c)
	masters, merr := n.masters()
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.cleaning, addr)
	if err != nil {
		n.s.health.fail("clean a new master", err, nil, addr)
		return
	}
	if merr == nil {
		for known := range n.known {
			if !masters[known] {
				delete(n.known, known)
			}
		}
	}
	n.known[addr] = true
	n.s.cfg.logger.LogAttrs(context.Background(), slog.LevelInfo,
		"cachestore: a master new to this store was cleaned of entries older than it; the cache serves its slots again",
		slog.String("addr", addr), slog.Int64("removed_keys", removed))
}

// unlinkAll removes every key under the Store's prefix from c, SCAN page
// by SCAN page, each call bounded by the Store's timeout.
func (n *nodes) unlinkAll(c *redis.Client) (int64, error) {
	match := globEscape(n.s.cfg.prefix) + "*"
	var cursor uint64
	var removed int64
	for {
		ctx, cancel := context.WithTimeout(context.Background(), n.s.cfg.timeout)
		keys, next, err := c.Scan(ctx, cursor, match, cleanBatch).Result()
		if err == nil && len(keys) > 0 {
			err = unlink(ctx, c, keys)
			removed += int64(len(keys))
		}
		cancel()
		if err != nil {
			return removed, err
		}
		if cursor = next; cursor == 0 {
			return removed, nil
		}
	}
}

// unlink removes keys from the cluster node c, one UNLINK each in one
// pipeline: a node refuses a command whose keys are in several slots.
func unlink(ctx context.Context, c *redis.Client, keys []string) error {
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Unlink(ctx, k)
		}
		return nil
	})
	return err
}

// globEscape escapes what Redis's MATCH patterns treat as special.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
