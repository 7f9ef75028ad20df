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
// be valid JSON.
func (s *Store) Create(ctx context.Context, h runtime.TokenHash, rec runtime.Record) error {
	enc, err := encodeObject(rec.Data)
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

// Update applies c to the live session under h, in one statement: the
// stored data becomes (data - c.Delete) || c.Set. It returns
// runtime.ErrNotFound, writing nothing, when there is no live session
// under h.
func (s *Store) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	set, del, err := encodeChange(c)
	if err != nil {
		return fmt.Errorf("pgstore: update session: %w", err)
	}
	n, err := s.q.UpdateSession(ctx, db.UpdateSessionParams{
		Deleted: del, Changed: set, ExpiresAt: c.ExpiresAt, TokenHash: h[:],
		SetUser: c.UserID != nil, UserID: nonEmpty(deref(c.UserID)), UserAgent: nonEmpty(c.UserAgent),
	})
	if err != nil {
		return fmt.Errorf("pgstore: update session: %w", err)
	}
	if n == 0 {
		return runtime.ErrNotFound
	}
	return nil
}

// Cycle moves the live session under from to to, applying c as Update
// does, in one statement. It returns runtime.ErrNotFound,
// writing nothing, when there is no live session under from, and an error
// when any row already holds to.
func (s *Store) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	set, del, err := encodeChange(c)
	if err != nil {
		return fmt.Errorf("pgstore: cycle session: %w", err)
	}
	n, err := s.q.CycleSession(ctx, db.CycleSessionParams{
		NewTokenHash: to[:], Deleted: del, Changed: set, ExpiresAt: c.ExpiresAt, OldTokenHash: from[:],
		SetUser: c.UserID != nil, UserID: nonEmpty(deref(c.UserID)), UserAgent: nonEmpty(c.UserAgent),
	})
	if err != nil {
		return fmt.Errorf("pgstore: cycle session: %w", err)
	}
	if n == 0 {
		return runtime.ErrNotFound
	}
	return nil
}

// Delete removes the session under h, live or expired. Deleting a missing
// session is not an error.
func (s *Store) Delete(ctx context.Context, h runtime.TokenHash) error {
	if err := s.q.DeleteSession(ctx, h[:]); err != nil {
		return fmt.Errorf("pgstore: delete session: %w", err)
	}
	return nil
}
