package pgstore

import (
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
// statement.
type Store struct {
	q *db.Queries
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
// roll back.
func New(conn DBTX) *Store {
	return &Store{q: db.New(conn)}
}

// Load returns the live session stored under h, or runtime.ErrNotFound if
// there is none or it has expired.
func (s *Store) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	row, err := s.q.LoadSession(ctx, h[:])
	return record("load session", err, row.Data, row.ExpiresAt, row.UserID, row.UserAgent, row.CreatedAt, row.UpdatedAt)
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
	enc, err := encodeObject(rec.Data)
	if err != nil {
		return fmt.Errorf("pgstore: create session: %w", err)
	}
	n, err := s.q.CreateSession(ctx, db.CreateSessionParams{
		TokenHash: h[:], Data: enc, ExpiresAt: rec.ExpiresAt, UserID: nonEmpty(rec.UserID), UserAgent: rec.UserAgent,
	})
	if err != nil {
		return fmt.Errorf("pgstore: create session: %w", refusedValue(err))
	}
	if n == 0 {
		return fmt.Errorf("pgstore: create session: %w", errLiveSession)
	}
	return nil
}

// Update applies c to the live session under h, in one statement: the
// stored data becomes (data - c.Delete) || c.Set, if c.Expect and
// c.MaxSize hold, checked in that statement. It returns
// runtime.ErrNotFound, writing nothing, when there is no live session
// under h, and an error wrapping runtime.ErrConflict or
// runtime.ErrTooLarge, writing nothing, when c.Expect or c.MaxSize does
// not hold; telling them apart takes a second query, only then.
func (s *Store) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	return s.write(ctx, "update session", h, c, func(w change) (int64, error) {
		return s.q.UpdateSession(ctx, db.UpdateSessionParams{
			Deleted: w.deleted, Changed: w.changed, ExpiresAt: c.ExpiresAt, TokenHash: h[:],
			SetUser: c.UserID != nil, UserID: nonEmpty(deref(c.UserID)), UserAgent: nonEmpty(c.UserAgent),
			ExpectAbsent: w.expectAbsent, Expect: w.expect, MaxSize: w.maxSize,
		})
	})
}

// Cycle moves the live session under from to to, applying c as Update
// does, in one statement. It returns runtime.ErrNotFound,
// runtime.ErrConflict or runtime.ErrTooLarge as Update does, writing
// nothing, and an error when any row already holds to.
func (s *Store) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	return s.write(ctx, "cycle session", from, c, func(w change) (int64, error) {
		return s.q.CycleSession(ctx, db.CycleSessionParams{
			NewTokenHash: to[:], Deleted: w.deleted, Changed: w.changed, ExpiresAt: c.ExpiresAt, OldTokenHash: from[:],
			SetUser: c.UserID != nil, UserID: nonEmpty(deref(c.UserID)), UserAgent: nonEmpty(c.UserAgent),
			ExpectAbsent: w.expectAbsent, Expect: w.expect, MaxSize: w.maxSize,
		})
	})
}

// write encodes c and runs exec, the one statement of the operation op
// that writes it to the session under h and returns how many rows it
// wrote; when it wrote none, it returns why (see refusal).
func (s *Store) write(ctx context.Context, op string, h runtime.TokenHash, c runtime.Change, exec func(w change) (int64, error)) error {
	w, err := encodeChange(c)
	if err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	n, err := exec(w)
	if err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, refusedValue(err))
	}
	if n == 0 {
		return s.refusal(ctx, op, h, w)
	}
	return nil
}

// refusal returns why the conditional write w to the session under h,
// by the operation op, affected no row: runtime.ErrNotFound when there is
// no live session under h, else an error wrapping runtime.ErrConflict or
// runtime.ErrTooLarge. A write without conditions affects no row only
// when there is no live session, and costs no query here.
func (s *Store) refusal(ctx context.Context, op string, h runtime.TokenHash, w change) error {
	if !w.conditional() {
		return runtime.ErrNotFound
	}
	r, err := s.q.ChangeRefusal(ctx, db.ChangeRefusalParams{
		ExpectAbsent: w.expectAbsent, Expect: w.expect, MaxSize: w.maxSize,
		Deleted: w.deleted, Changed: w.changed, TokenHash: h[:],
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return runtime.ErrNotFound
	case err != nil:
		return fmt.Errorf("pgstore: %s: %w", op, err)
	case r.Expected && !r.Fits:
		return fmt.Errorf("pgstore: %s: %w: the change would grow the data past %d bytes", op, runtime.ErrTooLarge, w.maxSize)
	default:
		// Expect failed, or both conditions hold now: a concurrent
		// write changed the session between the two statements, and the
		// middleware's retry will see how it stands.
		return fmt.Errorf("pgstore: %s: %w", op, runtime.ErrConflict)
	}
}

// Delete removes the session under h, live or expired. Deleting a missing
// session is not an error.
func (s *Store) Delete(ctx context.Context, h runtime.TokenHash) error {
	if err := s.q.DeleteSession(ctx, h[:]); err != nil {
		return fmt.Errorf("pgstore: delete session: %w", err)
	}
	return nil
}
