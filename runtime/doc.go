// Package runtime is the session framework under the accessors that
// sessiongen generates: the Session, the Manager and its net/http
// middleware, the session cookie, and the Store contract that
// runtime/pgstore, runtime/cachestore, runtime/redisstore,
// runtime/filestore and runtime/memstore implement, with the optional
// abilities (UserStore, Lister, ExpiredDeleter, KeyDeleter) declared
// beside it.
//
// Applications rarely import more of it than NewManager, its options and
// the Expiry constructors: handlers use the generated type, as in
// sess := session.From(r); sess.SetCartItems(items).
//
// # Wiring
//
//	pool, _ := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	if err := pgstore.Migrate(ctx, pool); err != nil { ... }
//	mgr, err := runtime.NewManager(pgstore.New(pool))
//	if err != nil { ... }
//	http.ListenAndServe(":8080", mgr.Middleware(mux))
//
// # Requests
//
// The middleware gives each request a Session and loads nothing until a
// handler reads or writes it: a request whose handler ignores the session
// costs no store call. A session is saved, and its cookie set, just before
// the response headers go out, and only when it was modified (or on every
// request, with WithSaveEveryRequest). Nothing is saved for a 5xx
// response. A session the handler emptied is deleted and its cookie
// expired. Responses of requests that used the session carry Vary: Cookie.
//
// A save writes only the keys the request set or deleted, so concurrent
// requests that change different keys all keep their change, and keys the
// schema no longer declares stay in the store. A request never brings back
// a session that a concurrent request deleted: its save fails with an
// error wrapping ErrNotFound. When the store fails, or a value cannot be
// encoded, the handler's response is replaced by the error handler's (see
// WithErrorHandler); the stored session is never overwritten by an empty
// one.
//
// A change made after the response started is saved when the handler
// returns if the cookie need not change, and logged as an error otherwise.
//
// # Tokens
//
// A session token is 32 bytes from crypto/rand, base64url-encoded, and
// lives only in the cookie: stores see its SHA-256 (TokenHash). A cookie
// that is not of a token's shape is ignored without a store call, and an
// unknown or expired token is never adopted: the next save issues a fresh
// one.
//
// # Expiry
//
// A session lasts the cookie age (two weeks by default) from its last save,
// unless Session.SetExpiry sets ExpireAfter, ExpireAt or
// ExpireAtBrowserClose; the rules are Django's. Expired sessions read as
// absent; the stores' DeleteExpired removes their rows.
//
// # Per-key policies
//
// A key of sessions.yaml may end on its own (a ttl: its value then reads
// as unset, and the next save removes it), be dropped by SignIn and
// CycleKey, or be encrypted: stored sealed with AES-256-GCM under the key
// ring given to WithKeyRing (package runtime/keyring), and refused, with
// an error wrapping ErrNoKeyRing, by a manager without one. The generated
// accessors pass each key's Policy to GetWith, SetWith, UpdateWith and
// PopWith; Reencrypt seals stored values anew under a ring's first key.
package runtime
