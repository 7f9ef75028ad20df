package memstore

import (
	"context"
	"fmt"

	"github.com/sessiongen/sessiongen/internal/sessionlist"
	"github.com/sessiongen/sessiongen/runtime"
)

// ListSessions returns at most limit stored sessions, live or expired,
// newest first, after skipping offset of them, and how many there are in
// all. When userID is not "" it lists only the sessions bound to that user.
// It is what the admin page (package runtime/admin) pages through.
func (s *Store) ListSessions(ctx context.Context, userID string, offset, limit int) ([]runtime.SessionInfo, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("memstore: list sessions: %w", err)
	}
	if err := sessionlist.CheckRange(offset, limit); err != nil {
		return nil, 0, fmt.Errorf("memstore: list sessions: %w", err)
	}
	s.mu.Lock()
	infos := make([]runtime.SessionInfo, 0, len(s.sessions))
	for h, sess := range s.sessions {
		if userID != "" && sess.userID != userID {
			continue
		}
		infos = append(infos, runtime.SessionInfo{
			Hash: h, UserID: sess.userID, UserAgent: sess.userAgent,
			CreatedAt: sess.createdAt, UpdatedAt: sess.updatedAt, ExpiresAt: sess.expiresAt,
		})
	}
	s.mu.Unlock()
	page, total := sessionlist.Page(infos, offset, limit)
	return page, total, nil
}

// FindSession returns a copy of the session stored under h, live or
// expired, or runtime.ErrNotFound when there is none. Unlike Load, it shows
// expired sessions DeleteExpired has not removed yet: it is for the admin
// page, not for serving requests.
func (s *Store) FindSession(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	if err := ctx.Err(); err != nil {
		return runtime.Record{}, fmt.Errorf("memstore: find session: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[h]
	if !ok {
		return runtime.Record{}, runtime.ErrNotFound
	}
	return sess.record(), nil
}
