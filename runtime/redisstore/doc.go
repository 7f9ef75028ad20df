// Package redisstore keeps sessions in Redis alone, as Django's cache
// session engine does, over any redis.UniversalClient: a single server,
// a Redis Cluster, a Sentinel-managed server.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
//	mgr, err := runtime.NewManager(redisstore.New(rdb))
//
// It keeps every guarantee of the other stores: per-key writes, no
// resurrection of a deleted session, the compare-and-set of Update's
// accessor (a Change's Expect, values compared as JSON), the size bound
// (a Change's MaxSize, counted as the bytes of keys and JSON values),
// the rule for values (runtime.CheckStorable), an atomic Cycle, and every
// optional ability: runtime.AdminStore (runtime.UserStore, runtime.Lister,
// runtime.ExpiredDeleter) and runtime.KeyDeleter. It needs Redis 5 or
// later, whose scripts are replicated by their effects; it is tested with
// Redis 7.0, alone and as a cluster.
//
// The bound on a user's sessions (runtime.WithMaxSessionsPerUser,
// runtime.Change.MaxUserSessions) needs a single server, a *redis.Client
// (Sentinel's failover client is one): the script that writes the
// session bound to the user, Update's, or the one that stores it under
// its new hash, Cycle's, also deletes the user's other live sessions
// beyond the bound, least recently saved first (by their field ut), found
// through the user's set, so no other write comes in between and
// concurrent sign-ins cannot pass the bound together. That script reaches
// keys of several slots, which a cluster refuses: over a Redis Cluster
// (or a Ring), Update and Cycle refuse such a change, writing nothing,
// with an error wrapping errors.ErrUnsupported, rather than ignore the
// bound. A Cycle reports the sessions it ended (Change.Ended) once that
// script has run, even if a later step of the Cycle fails.
//
// # Data lives only as long as Redis keeps it
//
// Redis is the only copy of the sessions, so they last as long as Redis
// keeps them, and no longer; configure it for that:
//
//   - maxmemory-policy: with noeviction, a full Redis refuses writes (the
//     requests that save a session fail) and loses nothing. A volatile-*
//     policy (volatile-lru, volatile-lfu, volatile-ttl, volatile-random)
//     evicts sessions, which signs their users out, and never the users'
//     sets of sessions, which have no expiry; volatile-ttl evicts the
//     expired sessions kept for the retention first. Never use an
//     allkeys-* policy: evicting a user's set makes "sign out everywhere"
//     miss that user's sessions.
//   - Persistence: with none (save "" and appendonly no) a restart loses
//     every session. Snapshots alone (save) lose what was written since
//     the last one, sign-outs included: a session deleted after the
//     snapshot comes back with it. appendonly yes with appendfsync
//     everysec loses about a second of writes; appendfsync always, none.
//   - Replication is asynchronous: a failover to a replica loses the
//     writes it had not received, in the same way.
//
// Redis errors reach the caller: there is nothing to fall back to.
//
// # Keys
//
// A session is one Redis hash under prefix + "s:{" + hex(token hash) +
// "}" (see Store.Key and WithPrefix): its data under fields "d:" + key,
// one field per key, and its metadata under fields that never begin with
// "d:" (exp, ct, ut, uid, ua, and mv and by, which Cycle writes), so a
// data key can never overwrite them. The braces are a Redis Cluster hash
// tag: every key of a session lives in one slot. Each write is a Lua
// script (EVALSHA, falling back to EVAL) on that one key, which checks
// that the session is live, checks Expect and MaxSize, and writes the
// changed fields only: a per-key write with no read-modify-write, so
// concurrent requests that change different keys both keep their change,
// and an update of a session that is gone or expired writes nothing and
// returns runtime.ErrNotFound. Times are read from the clock of the Redis
// server that holds the session (TIME), to the microsecond.
//
// # Expiry and retention
//
// Redis drops a session itself (PEXPIREAT), the retention after it
// expires (WithRetention: DefaultRetention, a day, or MinRetention for
// at once). An expired session is absent to Load, Update and Cycle the
// moment it expires; what the retention keeps it for is what the other
// stores do with expired rows until their janitor runs: the admin page
// lists it as expired, DeleteKey cleans it, and DeleteUserSessions
// deletes and reports it, so that a cache in front forgets it.
// DeleteExpired removes the expired sessions Redis still keeps, and
// returns how many: with MinRetention, none.
//
// # Cycle
//
// A Cycle's two hashes lie in two slots of a cluster, which no script can
// touch at once, so it takes steps. The first marks the session under
// from as moving (after checking Expect and MaxSize), which makes it
// absent to reads and makes updates conflict, so that the manager reloads
// it; the second stores the changed session under to, unless a live
// session is there; the last deletes the marked session, and if it is
// gone (a sign-out deleted it meanwhile), deletes the copy too and
// returns runtime.ErrNotFound. No reader ever sees the session under both
// hashes. A Cycle that fails half-way undoes its steps; if a process dies
// between them, its session is lost (absent under both hashes), never
// duplicated. While a Cycle runs, an update of the old hash conflicts and
// the manager reloads it, which it finds absent once the Cycle is done.
//
// # Users' sessions
//
// runtime.UserStore needs the sessions of a user, which Redis cannot
// find by a field: each user has a sorted set of the token hashes of the
// sessions bound to it, under prefix + "u:{" + hex(SHA-256(user id)) +
// "}". A user's set and a session's hash lie in different slots of a
// cluster, so no script writes both. The session's hash is the truth; the
// set is an index that may hold more hashes than the user's sessions,
// never fewer:
//
//   - A hash is added to the set (its score is the time it was added)
//     before the session is written bound to the user, and the session
//     must be written within 30 seconds of that (a fence the script
//     checks), or the store adds it again and retries.
//   - Sessions deleted, expired or bound to another user leave their
//     hashes behind, which UserSessions, DeleteUserSessions and
//     DeleteExpired prune: a hash goes only if its session is not bound
//     to the user, it was added more than a minute before, and its score
//     is unchanged at the removal, so a session being bound is never
//     dropped from its set. This assumes that the clocks of a cluster's
//     nodes agree to within 30 seconds.
//   - Readers check each listed session's own user id, so a stale hash is
//     never taken for a session of the user.
//   - DeleteUserSessions marks the user busy for its duration (at most 30
//     seconds): a Cycle that would bind a session to that user then
//     conflicts and the manager tries it again, so a "sign out
//     everywhere" never misses a session that was moving to a new token
//     meanwhile.
//
// # The admin's abilities
//
// Listing all sessions (ListSessions without a user, for the admin page)
// is expensive on Redis: with no index by time, each call SCANs the whole
// keyspace, in pages of 1000 keys, on every node of a cluster, reads the
// metadata of every session and sorts them, newest first. A user's
// listing reads only that user's set. DeleteExpired and DeleteKey SCAN
// the sessions too, in pages and pipelines of at most their batch size,
// and DeleteExpired then every user's set, to prune it; run it from the
// janitor (runtime/janitor), or the users' sets keep a hash for each
// sign-in of a user who never lists nor signs out everywhere. A session
// written or deleted during a SCAN may be seen or not.
package redisstore
