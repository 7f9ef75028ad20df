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
// token, never the token, the session's data as a jsonb object, and its
// expiry. Writes are per key, so concurrent requests that change different
// keys of one session all keep their change. A write's conditions (a
// Change's Expect and MaxSize) are checked in the UPDATE that writes, on
// the row it writes; a second query runs only when a conditional write
// wrote nothing, to tell a conflict or a session too large from one that
// is gone.
//
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
