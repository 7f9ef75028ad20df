package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned by a Store when no live (unexpired) session has
// the given token hash. The middleware treats it as "no session" on load and
// as "deleted by a concurrent request" on update, so a Store must never
// report a missing row as any other error, nor any other error as
// ErrNotFound.
var ErrNotFound = errors.New("session not found")

// ErrConflict is returned by a Store's Update and Cycle when a Change's
// Expect no longer holds: a concurrent request changed a key this one read
// and modified. Nothing is written. The middleware then reloads the session
// and applies the request's update functions again (see Update).
var ErrConflict = errors.New("session changed by a concurrent request")

// ErrInvalidValue is wrapped by the error a save reports when a value given
// to Set could not be stored: JSON cannot encode it (a NaN, a channel), or
// it holds what PostgreSQL's jsonb refuses (U+0000, a lone UTF-16
// surrogate), which every store refuses alike. A Store wraps it when it
// cannot keep a value. Nothing of that session is written.
var ErrInvalidValue = errors.New("value cannot be stored as JSON")

// ErrTooLarge is wrapped by the error a save reports when the session's data
// would exceed the manager's size limit (WithMaxSize), whether the
// middleware or the store found it out. Nothing of that session is written.
var ErrTooLarge = errors.New("session too large")

// Record is a stored session.
type Record struct {
	// Data maps each stored key to its JSON encoding.
	Data map[string]json.RawMessage
	// ExpiresAt is when the session stops being valid.
	ExpiresAt time.Time
	// UserID is the user the session is bound to (Session.SignIn), or "".
	UserID string
	// UserAgent is the User-Agent of the request that last saved it.
	UserAgent string
	// CreatedAt and UpdatedAt are when the session was created and last
	// saved, by the store's clock. Create ignores them. FindSession
	// returns them; Load may leave them zero, since the middleware needs
	// neither (pgstore's Load does not read them).
	CreatedAt, UpdatedAt time.Time
	// Version identifies the stored state Load returned, for a store that
	// versions its sessions (see Change.Version); 0 from one that does
	// not. Create ignores it.
	Version int64
}

// Change is a save of a stored session: a per-key write, after which the
// stored data is (data - Delete) || Set, so concurrent writes to different
// keys of one session all survive and keys not named here are left as they
// are, plus a new expiry and, optionally, new metadata.
type Change struct {
	// Set holds the keys to write, with their JSON encodings.
	Set map[string]json.RawMessage
	// Delete lists the keys to remove.
	Delete []string
	// ExpiresAt is the session's new expiry.
	ExpiresAt time.Time
	// UserID, when not nil, binds the session to *UserID ("" unbinds).
	UserID *string
	// UserAgent, when not "", replaces the stored user agent.
	UserAgent string
	// Expect, when not empty, makes the change conditional: each key it
	// names must still hold the given JSON value (compared as JSON, as
	// returned by Load), or be absent when the value is nil. When one does
	// not, the store writes nothing and returns ErrConflict. The check and
	// the write are one atomic step.
	Expect map[string]json.RawMessage
	// MaxSize, when positive, bounds the session's data after the change,
	// counted as the store counts it (see Store): a change that would leave
	// the data larger than MaxSize, and larger than it was, writes nothing
	// and returns an error wrapping ErrTooLarge. The check and the write are
	// one atomic step, so concurrent changes cannot pass it together; a
	// session already over the bound can still shrink.
	MaxSize int
	// Version, when not 0, is the Record.Version of the stored state the
	// change was made against, and Data is the whole data after the change:
	// that state's data without Delete and with Set, whose Expect it holds.
	// A store that versions its sessions may then write Data as a whole
	// when the stored version is still Version, which is cheaper than a
	// per-key merge; when it is not, it applies Set and Delete as for any
	// change, so the result is the same either way. Other stores ignore
	// both fields.
	Version int64
	Data    map[string]json.RawMessage
	// Rebase, when not nil, lets the store settle a conflict itself: when
	// Expect does not hold on the stored session, a store may call Rebase
	// with the session as stored, while it holds what makes its check and
	// write atomic (a row lock, say), and write the change Rebase returns
	// instead, checked the same way, so that a compare-and-set on a
	// session many requests update at once still lands. It returns
	// ErrConflict as before when it does not. Rebase is the middleware's:
	// it runs the request's update functions again on the stored data.
	Rebase func(stored Record) (Change, error)
	// MaxUserSessions, when positive and the change binds the session to
	// a user (UserID not nil and not ""), bounds that user's sessions:
	// in the same atomic step as the bind, the store deletes the user's
	// other live sessions beyond MaxUserSessions-1, least recently used
	// first, so that at most MaxUserSessions live sessions stay bound to
	// the user, this one included, however many sign-ins of the user run
	// at once. "Used" is the store's last-save time (SessionInfo's
	// UpdatedAt): the most recently saved sessions are kept. Expired
	// sessions do not count, and are left to the janitor. A store that
	// cannot make this one step with the bind refuses such a change,
	// writing nothing, with an error wrapping errors.ErrUnsupported,
	// rather than ignore the bound. WithMaxSessionsPerUser sets it.
	MaxUserSessions int
	// Ended, when not nil, is called by the store after the change has
	// committed, once, with the hashes of the sessions it deleted for
	// MaxUserSessions, when it deleted any: so that a cache in front can
	// forget exactly those, and the manager can tell their end apart.
	Ended func(hashes []TokenHash)
}

// SessionInfo describes a stored session without its data, as listings of
// a user's sessions return it.
type SessionInfo struct {
	// Hash is the hash of the session's token.
	Hash TokenHash
	// UserID is the user the session is bound to, or "".
	UserID string
	// UserAgent is the User-Agent of the request that last saved it.
	UserAgent string
	// CreatedAt, UpdatedAt and ExpiresAt are when the session was
	// created, last saved, and will end.
	CreatedAt, UpdatedAt, ExpiresAt time.Time
	// Lifetime is what the session's data says of its sign-in and its
	// idle and absolute deadlines (LifetimeOf), which a listing shows
	// beside ExpiresAt, the earliest of its expiry and those deadlines.
	// Stores fill it in UserStore.UserSessions.
	Lifetime Lifetime
}

// Store persists sessions by the SHA-256 hash of their token; a Store never
// sees a token itself. All methods must be safe for concurrent use. The
// package runtime/storetest checks an implementation against this contract.
//
// A session is live while its expiry is after the store's clock. Expired
// sessions behave as absent: Load, Update and Cycle return ErrNotFound for
// them. A failure (a cancelled context, an unreachable database) is never
// reported as ErrNotFound. Values are JSON; a Store rejects one that is not
// valid JSON, writing nothing, and one that is valid JSON but that it
// cannot keep with an error wrapping ErrInvalidValue. A session's size is
// the bytes of its keys and JSON values as Load returns them. A Store keeps
// no reference to the maps and bytes it is given, and what it returns
// belongs to the caller.
type Store interface {
	// Load returns the live session stored under h, or ErrNotFound.
	Load(ctx context.Context, h TokenHash) (Record, error)
	// Create stores a new session under h with rec's data, expiry, user
	// and user agent. It fails if a live session holds h already; an
	// expired one there is replaced.
	Create(ctx context.Context, h TokenHash, rec Record) error
	// Update applies c to the live session under h. It returns ErrNotFound,
	// writing nothing, when that session no longer exists, so a request
	// never resurrects a deleted session, and ErrConflict or ErrTooLarge,
	// writing nothing, when c.Expect or c.MaxSize does not hold.
	Update(ctx context.Context, h TokenHash, c Change) error
	// Cycle moves the live session under from to to, applying c, as one
	// atomic step. It returns ErrNotFound, writing nothing, when the
	// session under from no longer exists, fails, writing nothing, when
	// a live session holds to, and checks c.Expect and c.MaxSize as Update
	// does.
	Cycle(ctx context.Context, from, to TokenHash, c Change) error
	// Delete removes the session under h. Deleting a missing session is not
	// an error.
	Delete(ctx context.Context, h TokenHash) error
}

// DefaultBatchSize is the batch size of a store's batched deletions
// (ExpiredDeleter, KeyDeleter) when they are given a batch size of zero or
// less. That is the one rule for batch sizes in every package of
// sessiongen: zero or less means DefaultBatchSize, never "all at once".
const DefaultBatchSize = 1000

// UserStore is the ability of a store to list and delete the sessions
// bound to a user by Session.SignIn: what a "your devices" page, "sign out
// other devices" and "sign out everywhere" need. *pgstore.Store,
// *memstore.Store, *redisstore.Store, *filestore.Store and
// *cachestore.Store implement it; cachestore's fails, wrapping
// errors.ErrUnsupported, when the store it wraps does not. Package
// runtime/storetest checks it.
type UserStore interface {
	// UserSessions returns the live sessions bound to userID, each with
	// its Lifetime, most recently saved first; none for the userID "".
	UserSessions(ctx context.Context, userID string) ([]SessionInfo, error)
	// DeleteUserSessions deletes every session bound to userID, live or
	// expired, except the one under keep (the current one, for "sign out
	// other devices"), or none when keep is the zero TokenHash ("sign out
	// everywhere"), and returns the hashes of the sessions it deleted, so
	// that a cache in front can forget exactly those; how many it deleted
	// is their number. It deletes nothing for the userID "".
	DeleteUserSessions(ctx context.Context, userID string, keep TokenHash) ([]TokenHash, error)
}

// ExpiredDeleter is the ability of a store to delete its expired sessions
// in bounded batches: what package runtime/janitor runs, `sessiongen
// clearsessions` calls, and the admin page's "delete all expired" button
// presses. *pgstore.Store, *memstore.Store, *redisstore.Store,
// *filestore.Store and *cachestore.Store implement it; cachestore's fails,
// wrapping errors.ErrUnsupported, when the store it wraps does not.
// Package runtime/storetest checks it.
type ExpiredDeleter interface {
	// DeleteExpired removes every expired session, at most batchSize in
	// one statement or one hold of a lock (DefaultBatchSize when
	// batchSize <= 0), and returns how many it removed. It stops at the
	// first error, returning how many it had removed by then.
	DeleteExpired(ctx context.Context, batchSize int) (int64, error)
}

// KeyDeleter is the ability of a store to remove one key from the data of
// every stored session, as after a key is removed from sessions.yaml
// (`sessiongen dropkey`). *pgstore.Store, *memstore.Store,
// *redisstore.Store and *filestore.Store implement it. Package
// runtime/storetest checks it.
type KeyDeleter interface {
	// DeleteKey removes key from the data of every stored session, live
	// or expired, looking at most batchSize sessions in one statement or
	// one hold of a lock (DefaultBatchSize when batchSize <= 0), and
	// returns how many sessions held it. A session's expiry and last-save
	// time are not changed. It stops at the first error, returning how
	// many it had changed by then.
	DeleteKey(ctx context.Context, key string, batchSize int) (int64, error)
}

// Lister is the ability of a store to page through every stored session,
// live or expired, and to show one with its data: what the admin page
// (package runtime/admin) reads. *pgstore.Store, *memstore.Store,
// *redisstore.Store, *filestore.Store and *cachestore.Store implement it;
// cachestore's fails, wrapping errors.ErrUnsupported, when the store it
// wraps does not.
type Lister interface {
	// ListSessions returns at most limit stored sessions, live or
	// expired, newest first, after skipping offset of them, and how many
	// there are in all; only those bound to userID when it is not "". It
	// fails when offset < 0 or limit <= 0.
	ListSessions(ctx context.Context, userID string, offset, limit int) ([]SessionInfo, int64, error)
	// FindSession returns the session stored under h, live or expired,
	// with its data, or ErrNotFound. Unlike Load, it shows expired
	// sessions not deleted yet.
	FindSession(ctx context.Context, h TokenHash) (Record, error)
}

// AdminStore is a Store with every ability the admin page (package
// runtime/admin) uses: a store that can serve the manager, the admin page,
// the janitor and a "your devices" page at once, so that an application
// that hands one store to all of them names this type and declares no
// interface of its own. *pgstore.Store, *memstore.Store,
// *redisstore.Store, *filestore.Store and *cachestore.Store implement it.
type AdminStore interface {
	Store
	UserStore
	Lister
	ExpiredDeleter
}

// SizeOf returns the size of a session's data as the size limit
// (WithMaxSize, Change.MaxSize) counts it: the bytes of its keys and of
// their JSON values.
func SizeOf(data map[string]json.RawMessage) int {
	n := 0
	for k, v := range data {
		n += len(k) + len(v)
	}
	return n
}
