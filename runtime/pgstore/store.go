package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore/internal/db"
)

// errLiveSession is reported by Create when a live session already holds
// the hash.
var errLiveSession = errors.New("a live session already has this token hash")

// Store is a runtime.Store in PostgreSQL. Its methods are safe for
// concurrent use when its DBTX is a *pgxpool.Pool; each is one SQL
// statement, but for the merge that Update and Cycle fall back to, and a
// sign-in that bounds its user's sessions (runtime.Change.MaxUserSessions),
// a transaction.
type Store struct {
	conn DBTX
	q    *db.Queries
	// optimisticMerges is how many times a merge reads the row and
	// writes the merged data at the version it read before it locks the
	// row instead: defaultOptimisticMerges but in tests.
	optimisticMerges int
	// events is the lifecycle events' settings (WithEvents); nil: none.
	events *events
}

var (
	_ runtime.AdminStore = (*Store)(nil)
	_ runtime.KeyDeleter = (*Store)(nil)
)

// DBTX is what New and Migrate run their statements on: a *pgxpool.Pool,
// as an application serves requests with, or a single *pgx.Conn, or a
// pgx.Tx, so that a session write can be part of the caller's own
// transaction, committed or rolled back with it. A *pgx.Conn or a pgx.Tx
// is not safe for concurrent use, and neither is a Store on one; nor may
// anything else use it while a Store's method runs. In a pgx.Tx, a
// statement that fails (a value PostgreSQL refuses, a cancelled context)
// aborts the transaction, as any failed statement does.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	// Begin starts a transaction, or, on a pgx.Tx, a savepoint in it.
	Begin(ctx context.Context) (pgx.Tx, error)
}

var (
	_ db.DBTX = DBTX(nil) // what sqlc's queries run on
	_ DBTX    = (*pgxpool.Pool)(nil)
	_ DBTX    = (*pgx.Conn)(nil)
	_ DBTX    = pgx.Tx(nil)
)

// New returns a store that keeps sessions in the table that Migrate
// creates, running its statements on conn: usually a *pgxpool.Pool, whose
// connections it borrows. conn stays the caller's to close, commit or
// roll back. Options enable lifecycle events (WithEvents).
func New(conn DBTX, opts ...Option) *Store {
	s := &Store{conn: conn, q: db.New(conn), optimisticMerges: defaultOptimisticMerges}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Load returns the live session stored under h, or runtime.ErrNotFound if
// there is none or it has expired. It leaves the record's CreatedAt and
// UpdatedAt zero: FindSession returns them.
func (s *Store) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	row, err := s.q.LoadSession(ctx, h[:])
	rec, err := record("load session", err, row.Data, row.ExpiresAt, row.UserID, row.UserAgent, time.Time{}, time.Time{})
	rec.Version = row.Version
	return rec, err
}

// record returns the Record of a row that the operation op read, with err,
// from its columns: runtime.ErrNotFound when there was no row. Load and
// FindSession decode the data alike, so that any row a request can load,
// however deeply its values nest, the admin page can show.
func record(op string, err error, data []byte, expiresAt time.Time, userID *string, userAgent string, createdAt, updatedAt time.Time) (runtime.Record, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return runtime.Record{}, runtime.ErrNotFound
	}
	if err != nil {
		return runtime.Record{}, fmt.Errorf("pgstore: %s: %w", op, err)
	}
	d, err := decodeObject(data)
	if err != nil {
		return runtime.Record{}, fmt.Errorf("pgstore: %s: decode data: %w", op, err)
	}
	return runtime.Record{
		Data:      d,
		ExpiresAt: expiresAt,
		UserID:    deref(userID),
		UserAgent: userAgent,
		CreatedAt: createdAt,
		UpdatedAt: updatedAt,
	}, nil
}

// Create stores a new session under h. It replaces an expired session
// under h, and fails if a live one holds it. Each value of rec.Data must
// be valid JSON; one that PostgreSQL refuses fails Create with an error
// wrapping runtime.ErrInvalidValue.
func (s *Store) Create(ctx context.Context, h runtime.TokenHash, rec runtime.Record) error {
	enc, err := encodeData(rec.Data, rec.Data)
	if err != nil {
		return fmt.Errorf("pgstore: create session: %w", err)
	}
	n, err := s.q.CreateSession(ctx, db.CreateSessionParams{
		TokenHash: h[:], Data: enc, ExpiresAt: rec.ExpiresAt, UserID: nonEmpty(rec.UserID), UserAgent: rec.UserAgent,
	})
	if err != nil {
		return fmt.Errorf("pgstore: create session: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("pgstore: create session: %w", errLiveSession)
	}
	return nil
}

// Update applies c to the live session under h: the stored data becomes
// (data - c.Delete) || c.Set, if c.Expect and c.MaxSize hold. It returns
// runtime.ErrNotFound, writing nothing, when there is no live session
// under h, and an error wrapping runtime.ErrConflict or
// runtime.ErrTooLarge, writing nothing, when c.Expect or c.MaxSize does
// not hold.
//
// A change made against the version Load returned (c.Version), whose data
// fits c.MaxSize, is one statement that writes c.Data whole if the row is
// still at that version, as a save by the middleware is. Otherwise, or
// when the row has been written since, Update merges c into the row as it
// is now: it reads the row and writes the merged data at the version it
// read, two more statements, and when concurrent writes beat it to the
// row a few times, it does the same under the row's lock, in a
// transaction of its own (a savepoint in a pgx.Tx).
func (s *Store) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	return s.save(ctx, "update session", h, h, c, func(q *db.Queries, data []byte, version int64, u meta) (int64, error) {
		return q.ReplaceSession(ctx, db.ReplaceSessionParams{
			Data: data, ExpiresAt: c.ExpiresAt, SetUser: u.set, UserID: u.id, UserAgent: u.agent,
			TokenHash: h[:], Version: version,
		})
	})
}

// Cycle moves the live session under from to to, applying c as Update
// does, in one statement, or as a merge as Update does. It returns
// runtime.ErrNotFound, runtime.ErrConflict or runtime.ErrTooLarge as
// Update does, writing nothing, and an error when any row already holds
// to.
func (s *Store) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	return s.save(ctx, "cycle session", from, to, c, func(q *db.Queries, data []byte, version int64, u meta) (int64, error) {
		return q.ReplaceCycleSession(ctx, db.ReplaceCycleSessionParams{
			NewTokenHash: to[:], Data: data, ExpiresAt: c.ExpiresAt, SetUser: u.set, UserID: u.id, UserAgent: u.agent,
			OldTokenHash: from[:], Version: version,
		})
	})
}

// meta is a Change's metadata as the statements' parameters.
type meta struct {
	set   bool    // bind the session to id
	id    *string // the user, nil to unbind
	agent *string // the new user agent, nil to keep it
}

// metaOf returns c's metadata as the statements' parameters.
func metaOf(c runtime.Change) meta {
	return meta{set: c.UserID != nil, id: nonEmpty(deref(c.UserID)), agent: nonEmpty(c.UserAgent)}
}

// replacer writes data whole to the session at version, with q, and
// returns how many rows it wrote: 0 when the session is gone or at
// another version.
type replacer func(q *db.Queries, data []byte, version int64, u meta) (int64, error)

// save writes c to the session under h, which replace leaves under to, by
// the operation op: with replace, at c.Version, when c says which version
// it was made against and its data fits; else, or when the row has moved
// on, as a merge. A change that binds the session with a bound on the
// user's sessions is a transaction of its own (saveLimited).
func (s *Store) save(ctx context.Context, op string, h, to runtime.TokenHash, c runtime.Change, replace replacer) error {
	if limited(c) {
		return s.saveLimited(ctx, op, h, to, c, replace)
	}
	u := metaOf(c)
	n, err := replaceAt(s.q, c, u, replace)
	if err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	if n > 0 {
		return nil
	}
	if err := s.merge(ctx, h, c, u, replace); err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	return nil
}

// replaceAt writes c.Data whole with replace on q, at c.Version, when c
// says which version it was made against and its data fits c.MaxSize, and
// returns how many rows it wrote: 0, writing nothing, when it does not, or
// when the row has moved on.
func replaceAt(q *db.Queries, c runtime.Change, u meta, replace replacer) (int64, error) {
	if c.Version == 0 || c.MaxSize > 0 && runtime.SizeOf(c.Data) > c.MaxSize {
		return 0, nil
	}
	data, err := encodeData(c.Data, c.Set)
	if err != nil {
		return 0, err
	}
	return replace(q, data, c.Version, u)
}

// defaultOptimisticMerges is how many times a merge tries without a lock.
const defaultOptimisticMerges = 3

// merge applies c to the session under h as it is now: it reads the row,
// checks c.Expect and c.MaxSize on its data, and writes the merged data
// with replace at the version it read, again if a concurrent write got
// there first, a few times. Then, or at once when c.Expect fails and c
// has a Rebase, it does the same holding the row lock from the read to
// the write, where a failed c.Expect is settled by c.Rebase, so that a
// session written without pause still takes c.
func (s *Store) merge(ctx context.Context, h runtime.TokenHash, c runtime.Change, u meta, replace replacer) error {
	for range s.optimisticMerges {
		row, err := s.q.LoadSession(ctx, h[:])
		if err != nil {
			return notFound(err)
		}
		n, err := mergeInto(s.q, row.Data, row.Version, c, u, replace)
		if errors.Is(err, runtime.ErrConflict) && c.Rebase != nil {
			break
		}
		if err != nil || n > 0 {
			return err
		}
	}
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit, a no-op
	if err := lockedMerge(ctx, s.q.WithTx(tx), h, c, u, replace); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// lockedMerge is the merge of c into the session under h under its row
// lock, taken with q, in the caller's transaction.
func lockedMerge(ctx context.Context, q *db.Queries, h runtime.TokenHash, c runtime.Change, u meta, replace replacer) error {
	row, err := q.LockSession(ctx, h[:])
	if err != nil {
		return notFound(err)
	}
	n, err := mergeInto(q, row.Data, row.Version, c, u, replace)
	if errors.Is(err, runtime.ErrConflict) && c.Rebase != nil {
		if c, err = rebased(row, c); err == nil {
			n, err = mergeInto(q, row.Data, row.Version, c, metaOf(c), replace)
		}
	}
	if err != nil || n == 0 {
		return cmp.Or(err, runtime.ErrNotFound) // n is 1: the row is locked
	}
	return nil
}

// rebased returns the change that c.Rebase makes of c against the locked
// row.
func rebased(row db.LockSessionRow, c runtime.Change) (runtime.Change, error) {
	d, err := decodeObject(row.Data)
	if err != nil {
		return runtime.Change{}, fmt.Errorf("decode data: %w", err)
	}
	return c.Rebase(runtime.Record{Data: d, UserID: deref(row.UserID), UserAgent: row.UserAgent, Version: row.Version})
}

// mergeInto writes c merged into data, the stored data at version, with
// replace on q, and returns how many rows it wrote.
func mergeInto(q *db.Queries, data []byte, version int64, c runtime.Change, u meta, replace replacer) (int64, error) {
	d, err := decodeObject(data)
	if err != nil {
		return 0, fmt.Errorf("decode data: %w", err)
	}
	if err := merged(d, c); err != nil {
		return 0, err
	}
	enc, err := encodeData(d, c.Set)
	if err != nil {
		return 0, err
	}
	return replace(q, enc, version, u)
}

// notFound returns runtime.ErrNotFound for a read that found no row, and
// any other error as it is.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return runtime.ErrNotFound
	}
	return err
}

// Delete removes the session under h, live or expired. Deleting a missing
// session is not an error.
func (s *Store) Delete(ctx context.Context, h runtime.TokenHash) error {
	if err := s.q.DeleteSession(ctx, h[:]); err != nil {
		return fmt.Errorf("pgstore: delete session: %w", err)
	}
	return nil
}
