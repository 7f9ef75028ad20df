// Package pgstore stores sessions in PostgreSQL, through a pgx/v5 pool
// that the application owns.
//
// Apply the schema once at start-up, then hand the store to the manager:
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	if err := pgstore.Migrate(ctx, pool); err != nil {
//		...
//	}
//	mgr := runtime.NewManager(pgstore.New(pool))
//
// Sessions live in one table, sessiongen_sessions, in the connection's
// search_path, so an application may give it a schema of its own by
// setting search_path on the pool. A row holds the SHA-256 of the session
// token, never the token, the session's data as a JSON object in a bytea
// column, its expiry, and a version that every write moves on.
//
// # Writes
//
// Writes are per key, so concurrent requests that change different keys
// of one session all keep their change. A save by the middleware carries
// the version it loaded (runtime.Change.Version): when the row is still
// at that version, the save is one UPDATE that replaces the data whole,
// which PostgreSQL copies without parsing it, as cheap as a blob store's
// write. When another write got there first, the save merges its keys
// into the row as it is now, checking the change's conditions (Expect and
// MaxSize) on that data in Go: it reads the row and writes the merge at
// the version it read, and after a few lost races it does so under the
// row's lock, so a change always lands or is refused for its own reason.
// A change without a version (a caller of the Store's methods) is always
// such a merge.
//
// A sign-in with a bound on the user's sessions
// (runtime.Change.MaxUserSessions, which runtime.WithMaxSessionsPerUser
// sets) is a transaction instead: it takes an advisory lock keyed by the
// user id (pg_advisory_xact_lock), which every such sign-in of the user
// takes, on whatever pool or instance, writes as above, then locks the
// user's other live rows and deletes all but the most recently saved, and
// commits, releasing the lock. Sign-ins of one user wait for each other,
// so they cannot leave more sessions than the bound together; no other
// save takes the lock or the transaction.
//
// Since PostgreSQL no longer parses the data, pgstore checks each value
// it is given, refusing what jsonb would refuse (runtime.CheckStorable),
// so a row can always be read as jsonb: DeleteKey, and any SQL of the
// application's, use convert_from(data, 'UTF8')::jsonb.

// New and Migrate take a DBTX: usually the pool, but a pgx.Tx serves too,
// so that a session is written, or the schema migrated, inside the
// application's own transaction, and a single *pgx.Conn does. Neither of
// those is safe for concurrent use; the manager's store stays on a pool.
//
// Expired rows stay until DeleteExpired removes them; until then they
// behave as absent. Run DeleteExpired from a command (`sessiongen
// clearsessions`) or on a timer (package runtime/janitor). ListSessions and
// FindSession serve the admin page of package runtime/admin. A Store has
// every optional ability that package runtime declares beside
// runtime.Store: it is a runtime.AdminStore (runtime.UserStore,
// runtime.Lister, runtime.ExpiredDeleter) and a runtime.KeyDeleter.
//
// Applications that manage their schema with another tool can apply the
// files of package schema with it instead of calling Migrate.
package pgstore
