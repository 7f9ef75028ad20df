package cachestore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/sessiongen/sessiongen/runtime"
)

// userStore is what pgstore and memstore offer for sessions bound to
// users (storetest.UserStore).
type userStore interface {
	UserSessions(ctx context.Context, userID string) ([]runtime.SessionInfo, error)
	DeleteUserSessions(ctx context.Context, userID string, keep ...runtime.TokenHash) (int64, error)
}

// expiredDeleter is what the janitor calls.
type expiredDeleter interface {
	DeleteExpired(ctx context.Context, batchSize int) (int64, error)
}

// lister is what the admin page reads, beside the rest.
type lister interface {
	ListSessions(ctx context.Context, userID string, offset, limit int) ([]runtime.SessionInfo, int64, error)
	FindSession(ctx context.Context, h runtime.TokenHash) (runtime.Record, error)
}

// unsupported returns the error of an extra that the wrapped store lacks.
func (s *Store) unsupported(op string) error {
	return fmt.Errorf("cachestore: %s: the wrapped store %T does not support it: %w", op, s.next, errors.ErrUnsupported)
}

// UserSessions returns the live sessions bound to userID, from the wrapped
// store, most recently saved first. It fails, wrapping
// errors.ErrUnsupported, if the wrapped store cannot list them.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]runtime.SessionInfo, error) {
	us, ok := s.next.(userStore)
	if !ok {
		return nil, s.unsupported("list user sessions")
	}
	infos, err := us.UserSessions(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("cachestore: list user sessions: %w", err)
	}
	return infos, nil
}

// DeleteUserSessions deletes every session bound to userID except the one
// under keep, if given, in the wrapped store, invalidates their cache
// entries, and returns how many it deleted. It lists the user's live
// sessions first, since a deletion does not say which sessions it removed
// (expired ones are never served from the cache). A session bound to
// userID by a sign-in that commits between the listing and the deletion is
// deleted without being invalidated; if it is read into the cache in that
// window, its entry may be served until it expires (WithMaxTTL).
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep ...runtime.TokenHash) (int64, error) {
	if hd, ok := s.next.(hashDeleter); ok {
		// The store says which sessions it deleted: exactly those are
		// forgotten, even one a sign-in bound a moment ago.
		hs, err := hd.DeleteUserSessionHashes(ctx, userID, keep...)
		s.invalidate(ctx, hs...)
		if err != nil {
			return int64(len(hs)), fmt.Errorf("cachestore: delete user sessions: %w", err)
		}
		return int64(len(hs)), nil
	}
	us, ok := s.next.(userStore)
	if !ok {
		return 0, s.unsupported("delete user sessions")
	}
	// Without hashes from the store, forget what was listed first; a
	// session bound between the list and the delete may stay cached until
	// WithMaxTTL.
	infos, err := us.UserSessions(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("cachestore: delete user sessions: list them: %w", err)
	}
	n, err := us.DeleteUserSessions(ctx, userID, keep...)
	var hs []runtime.TokenHash
	for _, info := range infos {
		if !slices.Contains(keep, info.Hash) {
			hs = append(hs, info.Hash)
		}
	}
	s.invalidate(ctx, hs...)
	if err != nil {
		return n, fmt.Errorf("cachestore: delete user sessions: %w", err)
	}
	return n, nil
}

// hashDeleter is a store that reports which sessions DeleteUserSessions
// removed, as pgstore and memstore do.
type hashDeleter interface {
	DeleteUserSessionHashes(ctx context.Context, userID string, keep ...runtime.TokenHash) ([]runtime.TokenHash, error)
}

// DeleteExpired removes expired sessions from the wrapped store, at most
// batchSize per statement, and returns how many it removed. The cache
// needs no invalidation: an entry expires with its session, and one past
// its session's expiry is never served. It fails, wrapping
// errors.ErrUnsupported, if the wrapped store cannot delete expired
// sessions.
func (s *Store) DeleteExpired(ctx context.Context, batchSize int) (int64, error) {
	d, ok := s.next.(expiredDeleter)
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
	l, ok := s.next.(lister)
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
	l, ok := s.next.(lister)
	if !ok {
		return runtime.Record{}, s.unsupported("find session")
	}
	rec, err := l.FindSession(ctx, h)
	if err != nil {
		return runtime.Record{}, wrap("find session", err)
	}
	return rec, nil
}
