package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

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
	if offset < 0 || limit <= 0 {
		return nil, 0, fmt.Errorf("memstore: list sessions: offset %d, limit %d: want offset >= 0 and limit > 0", offset, limit)
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
	slices.SortFunc(infos, func(a, b runtime.SessionInfo) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(string(a.Hash[:]), string(b.Hash[:]))
	})
	total := int64(len(infos))
	if offset >= len(infos) {
		return []runtime.SessionInfo{}, total, nil
	}
	infos = infos[offset:]
	return slices.Clone(infos[:min(limit, len(infos))]), total, nil
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
