// Package cachestore puts a Redis read-through cache in front of another
// session store, usually a *pgstore.Store, as Django's cached_db backend
// does:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
//	store := cachestore.New(pgstore.New(pool), rdb)
//	mgr := runtime.NewManager(store)
//
// Reads look in Redis first and fall back to the wrapped store, filling
// the cache. Writes go to the wrapped store first and then invalidate the
// cache entry: the entry is deleted, never overwritten with a merged copy,
// so per-key writes stay per key and two requests that change different
// keys of one session both keep their change. The wrapped store is the
// only source of truth; Redis holds copies.
//
// # Keys and lifetimes
//
// A session's entry is stored under prefix + "{" + hex(token hash) + "}",
// and its generation (see below) under the same name plus ":gen". The
// braces are a Redis Cluster hash tag: both keys of a session live in one
// slot, so the scripts below work on a cluster (a prefix that contains
// braces itself puts every key in one slot). An entry expires when its
// session does, and after at most the maximum TTL (WithMaxTTL) in any
// case; a hit whose session has expired by the application's clock is
// ignored.
//
// # Stale fills
//
// A read-through cache has a race: request A misses, reads the session
// from PostgreSQL, and is about to store it in Redis when request B
// updates PostgreSQL and deletes the entry. If A's store lands after B's
// delete, Redis holds the session as it was before B's write. cachestore
// prevents it with a generation per session:
//
//   - A read that misses makes sure the session's generation key exists
//     (SET NX with a fresh random value) and returns its value, in the same
//     script as the lookup, before it reads the wrapped store.
//   - The fill is a script that stores the entry only if the generation
//     key still holds the value the read saw.
//   - A write, after the wrapped store has committed it, replaces the
//     generation with a fresh random value and then deletes the entry.
//
// If A read PostgreSQL before B's commit, then A obtained its generation
// before B replaced it: either A's fill runs after B's invalidation and
// finds another generation, so nothing is stored, or it runs before and
// B's delete removes it. Generations are random, never counters, so a
// generation key that expires or is evicted while a read is in flight
// makes the fill fail instead of letting it through; correctness never
// depends on timing, only whether a fill succeeds does.
//
// # When Redis is unavailable
//
// Redis errors never reach the caller. Each Redis call is bounded by a
// timeout (WithTimeout; give the client ContextTimeoutEnabled so that it
// honours it). The first failure marks Redis down for this Store: reads
// and writes go straight to the wrapped store, without trying Redis, and a
// warning is logged at most once per interval (WithLogInterval). At most
// once per retry interval (WithRetryInterval) a background check pings
// Redis.
//
// A write made while Redis is down, or whose invalidation failed, could
// leave an entry in Redis that no longer matches the wrapped store (Redis
// may have been unreachable rather than restarted). The Store remembers
// the hashes of such writes and, when the check succeeds, invalidates them
// all before it serves anything from the cache again; writes made from
// then on invalidate for themselves, so none is dropped with the replay.
// When more hashes are pending than the limit (WithMaxPending), it forgets
// them and instead keeps reading from the wrapped store for the maximum
// TTL after Redis comes back, by which time every entry written before has
// expired.
//
// Other application instances do not know of this Store's failed
// invalidations: one that still reaches Redis may serve a session as it
// was before a write made during the outage, until the writer's Redis comes
// back and it replays its invalidations, and never for longer than the
// maximum TTL. A process that dies between a write and its invalidation
// leaves the same bounded window.
//
// # Redis Cluster
//
// With a *redis.ClusterClient, health is kept per master: a failed call
// marks down only the master that holds its key, whose slots are then
// read from the wrapped store, while the other masters go on serving. A
// write's invalidation is tried whatever is marked down, one command per
// session rather than a pipeline, so that go-redis, meeting a dead master,
// retries on another node and follows its MOVED to the replica that took
// over; one that still fails is tried once more on a freshly read slot
// map, and only then remembered for replay. An invalidation put off is
// one another instance, which never hears of it, may serve stale.
//
// A replica that a failover promotes holds what it replicated before:
// entries made stale by writes whose invalidations could not reach the
// dead master — another instance's writes among them, which only that
// instance would replay — and entries whose invalidation the dead master
// acknowledged but never sent on. So the Store serves nothing from a
// master that was not among the masters it first saw, or that stopped
// being a master since, until it has removed every key under its prefix
// from it (SCAN, then UNLINK, each page bounded by the timeout); reads of
// its slots go to the wrapped store meanwhile. That cleaning costs one
// pass over the promoted master's keys per instance, and only after a
// failover or at the start of a master the Store did not know. A slot
// moved by resharding (MIGRATE) needs nothing: keys move with their
// values, and go-redis follows MOVED and ASK.
//
// # Other stores' extras
//
// A Store is a runtime.AdminStore: UserSessions, DeleteUserSessions,
// DeleteExpired, ListSessions and FindSession pass through to the wrapped
// store when it has them (runtime.UserStore, runtime.ExpiredDeleter,
// runtime.Lister), and fail wrapping errors.ErrUnsupported when it does
// not, so a Store can back a "your devices" page, the janitor and the
// admin page (runtime/admin). DeleteUserSessions invalidates exactly the
// sessions the wrapped store reports deleted.
package cachestore
