package cachestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/sessiongen/sessiongen/runtime"
)

// A Store has the abilities of runtime.AdminStore whatever it wraps; each
// fails, wrapping errors.ErrUnsupported, when the wrapped store lacks it.
var _ runtime.AdminStore = (*Store)(nil)

// unsupported returns the error of an extra that the wrapped store lacks.
func (s *Store) unsupported(op string) error {
	return fmt.Errorf("cachestore: %s: the wrapped store %T does not support it: %w", op, s.next, errors.ErrUnsupported)
}

// UserSessions returns the live sessions bound to userID, from the wrapped
// store, most recently saved first. It fails, wrapping
// errors.ErrUnsupported, if the wrapped store cannot list them.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]runtime.SessionInfo, error) {
	us, ok := s.next.(runtime.UserStore)
	if !ok {
		return nil, s.unsupported("list user sessions")
	}
	infos, err := us.UserSessions(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("cachestore: list user sessions: %w", err)
	}
	return infos, nil
}

// DeleteUserSessions deletes every session bound to userID, live or
// expired, except the one under keep (none when keep is the zero
// runtime.TokenHash), in the wrapped store, invalidates the cache entries
// of exactly the sessions the wrapped store reports deleted, even one that
// a sign-in bound a moment before, and returns their hashes. It fails,
// wrapping errors.ErrUnsupported, if the wrapped store cannot delete a
// user's sessions.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep runtime.TokenHash) ([]runtime.TokenHash, error) {
	us, ok := s.next.(runtime.UserStore)
	if !ok {
		return nil, s.unsupported("delete user sessions")
	}
	hs, err := us.DeleteUserSessions(ctx, userID, keep)
	s.invalidate(ctx, hs...)
	if err != nil {
		return hs, fmt.Errorf("cachestore: delete user sessions: %w", err)
	}
	return hs, nil
}

// DeleteExpired removes expired sessions from the wrapped store, at most
// batchSize per statement (runtime.DefaultBatchSize when batchSize <= 0,
// as the wrapped store applies the rule), and returns how many it removed.
// The cache needs no invalidation: an entry expires with its session, and
// one past its session's expiry is never served. It fails, wrapping
// errors.ErrUnsupported, if the wrapped store cannot delete expired
// sessions.
func (s *Store) DeleteExpired(ctx context.Context, batchSize int) (int64, error) {
	d, ok := s.next.(runtime.ExpiredDeleter)
	if !ok {
		return 0, s.unsupported("delete expired sessions")
	}
	n, err := d.DeleteExpired(ctx, batchSize)
	if err != nil {
		return n, fmt.Errorf("cachestore: delete expired sessions: %w", err)
	}
	return n, nil
}

// ListSessions lists stored sessions, live or expired, from the wrapped
// store, for the admin page (runtime/admin): at most limit, newest first,
// after skipping offset, and how many there are in all; only userID's when
// it is not "".
func (s *Store) ListSessions(ctx context.Context, userID string, offset, limit int) ([]runtime.SessionInfo, int64, error) {
	l, ok := s.next.(runtime.Lister)
	if !ok {
		return nil, 0, s.unsupported("list sessions")
	}
	infos, total, err := l.ListSessions(ctx, userID, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("cachestore: list sessions: %w", err)
	}
	return infos, total, nil
}

// FindSession returns the session under h, live or expired, from the
// wrapped store, never from the cache: the admin page shows what is
// stored. It returns runtime.ErrNotFound when there is none.
func (s *Store) FindSession(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	l, ok := s.next.(runtime.Lister)
	if !ok {
		return runtime.Record{}, s.unsupported("find session")
	}
	rec, err := l.FindSession(ctx, h)
	if err != nil {
		return runtime.Record{}, wrap("find session", err)
	}
	return rec, nil
}
