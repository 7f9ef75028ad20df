package memstore

import (
	"context"
	"fmt"

	"github.com/sessiongen/sessiongen/internal/sessionlist"
	"github.com/sessiongen/sessiongen/runtime"
)

// UserSessions returns the live sessions bound to userID by
// runtime.Session.SignIn, most recently saved first.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]runtime.SessionInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: list user sessions: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var infos []runtime.SessionInfo
	for h, sess := range s.sessions {
		if _, ok := s.live(h); !ok || sess.userID != userID || userID == "" {
			continue
		}
		infos = append(infos, runtime.SessionInfo{
			Hash: h, UserID: sess.userID, UserAgent: sess.userAgent,
			CreatedAt: sess.createdAt, UpdatedAt: sess.updatedAt, ExpiresAt: sess.expiresAt,
			Lifetime: runtime.LifetimeOf(sess.data),
		})
	}
	sessionlist.SortSaved(infos)
	return infos, nil
}

// DeleteUserSessions deletes every session bound to userID, live or
// expired, except the one under keep (none when keep is the zero
// runtime.TokenHash), and returns the hashes of those it deleted. It
// deletes nothing for the userID "".
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep runtime.TokenHash) ([]runtime.TokenHash, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: delete user sessions: %w", err)
	}
	keeps := keep != runtime.TokenHash{}
	s.mu.Lock()
	var hs []runtime.TokenHash
	for h, sess := range s.sessions {
		if userID == "" || sess.userID != userID || keeps && h == keep {
			continue
		}
		delete(s.sessions, h)
		hs = append(hs, h)
	}
	s.mu.Unlock()
	s.bus.ended(hs, userID, runtime.EndUserSignedOut, s.now())
	return hs, nil
}
