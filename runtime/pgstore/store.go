package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore/internal/db"
)

// errLiveSession is reported by Create when a live session already holds
// the hash.
var errLiveSession = errors.New("a live session already has this token hash")

// Store is a runtime.Store in PostgreSQL. Its methods are safe for
// concurrent use; each is one SQL statement.
type Store struct {
	q *db.Queries
}

var _ runtime.Store = (*Store)(nil)

// New returns a store that keeps sessions in the table that Migrate
// creates, using pool's connections. The pool stays the caller's to close.
func New(pool *pgxpool.Pool) *Store {
	return &Store{q: db.New(pool)}
}

// Load returns the live session stored under h, or runtime.ErrNotFound if
// there is none or it has expired.
func (s *Store) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	row, err := s.q.LoadSession(ctx, h[:])
	if errors.Is(err, pgx.ErrNoRows) {
		return runtime.Record{}, runtime.ErrNotFound
	}
	if err != nil {
		return runtime.Record{}, fmt.Errorf("pgstore: load session: %w", err)
	}
	data, err := decodeObject(row.Data)
	if err != nil {
		return runtime.Record{}, fmt.Errorf("pgstore: load session: decode data: %w", err)
	}
	return runtime.Record{
		Data:      data,
		ExpiresAt: row.ExpiresAt,
		UserID:    deref(row.UserID),
		UserAgent: row.UserAgent,
		CreatedAt: row.CreatedAt,
		UpdatedAt: row.UpdatedAt,
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
	w, err := encodeChange(c)
	if err != nil {
		return fmt.Errorf("pgstore: update session: %w", err)
	}
	n, err := s.q.UpdateSession(ctx, db.UpdateSessionParams{
		Deleted: w.deleted, Changed: w.changed, ExpiresAt: c.ExpiresAt, TokenHash: h[:],
		SetUser: c.UserID != nil, UserID: nonEmpty(deref(c.UserID)), UserAgent: nonEmpty(c.UserAgent),
		ExpectAbsent: w.expectAbsent, Expect: w.expect, MaxSize: w.maxSize,
	})
	if err != nil {
		return fmt.Errorf("pgstore: update session: %w", refusedValue(err))
	}
	if n == 0 {
		return s.refusal(ctx, "update session", h, w)
	}
	return nil
}

// Cycle moves the live session under from to to, applying c as Update
// does, in one statement. It returns runtime.ErrNotFound,
// runtime.ErrConflict or runtime.ErrTooLarge as Update does, writing
// nothing, and an error when any row already holds to.
func (s *Store) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	w, err := encodeChange(c)
	if err != nil {
		return fmt.Errorf("pgstore: cycle session: %w", err)
	}
	n, err := s.q.CycleSession(ctx, db.CycleSessionParams{
		NewTokenHash: to[:], Deleted: w.deleted, Changed: w.changed, ExpiresAt: c.ExpiresAt, OldTokenHash: from[:],
		SetUser: c.UserID != nil, UserID: nonEmpty(deref(c.UserID)), UserAgent: nonEmpty(c.UserAgent),
		ExpectAbsent: w.expectAbsent, Expect: w.expect, MaxSize: w.maxSize,
	})
	if err != nil {
		return fmt.Errorf("pgstore: cycle session: %w", refusedValue(err))
	}
	if n == 0 {
		return s.refusal(ctx, "cycle session", from, w)
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
