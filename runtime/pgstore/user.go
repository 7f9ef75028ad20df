package pgstore

import (
	"context"
	"fmt"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore/internal/db"
)

// UserSessions returns the live sessions bound to userID by
// runtime.Session.SignIn, most recently saved first: what a "your devices"
// page lists.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]runtime.SessionInfo, error) {
	rows, err := s.q.UserSessions(ctx, &userID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list user sessions: %w", err)
	}
	infos := make([]runtime.SessionInfo, 0, len(rows))
	for _, r := range rows {
		info := runtime.SessionInfo{
			UserID:    deref(r.UserID),
			UserAgent: r.UserAgent,
			CreatedAt: r.CreatedAt,
			UpdatedAt: r.UpdatedAt,
			ExpiresAt: r.ExpiresAt,
		}
		copy(info.Hash[:], r.TokenHash)
		infos = append(infos, info)
	}
	return infos, nil
}

// DeleteUserSessions deletes every session bound to userID except those
// under keep (the current one, for "sign out other devices"; none, for
// "sign out everywhere"), and returns how many it deleted.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep ...runtime.TokenHash) (int64, error) {
	hs, err := s.DeleteUserSessionHashes(ctx, userID, keep...)
	return int64(len(hs)), err
}

// DeleteUserSessionHashes deletes as DeleteUserSessions does, in one
// statement, and returns the hashes of the sessions it deleted: what a
// cache in front of the store must forget.
func (s *Store) DeleteUserSessionHashes(ctx context.Context, userID string, keep ...runtime.TokenHash) ([]runtime.TokenHash, error) {
	if len(keep) > 1 {
		return nil, fmt.Errorf("pgstore: delete user sessions: keep at most one session, not %d", len(keep))
	}
	k := []byte{} // no hash is empty, so nothing is kept
	if len(keep) == 1 {
		k = keep[0][:]
	}
	rows, err := s.q.DeleteUserSessions(ctx, db.DeleteUserSessionsParams{UserID: &userID, Keep: k})
	if err != nil {
		return nil, fmt.Errorf("pgstore: delete user sessions: %w", err)
	}
	hs := make([]runtime.TokenHash, len(rows))
	for i, r := range rows {
		copy(hs[i][:], r)
	}
	return hs, nil
}
