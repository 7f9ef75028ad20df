package pgstore

import (
	"context"
	"fmt"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore/internal/db"
)

// UserSessions returns the live sessions bound to userID by
// runtime.Session.SignIn, each with its Lifetime, most recently saved
// first: what a "your devices" page lists. It reads each session's data
// for its Lifetime.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]runtime.SessionInfo, error) {
	rows, err := s.q.UserSessions(ctx, &userID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list user sessions: %w", err)
	}
	infos := make([]runtime.SessionInfo, 0, len(rows))
	for _, r := range rows {
		info := sessionInfo(r.TokenHash, r.UserID, r.UserAgent, r.CreatedAt, r.UpdatedAt, r.ExpiresAt)
		// Data that does not decode, which Load reports, reads here as a
		// session of no deadlines, so that one row cannot hide the rest.
		if d, err := decodeObject(r.Data); err == nil {
			info.Lifetime = runtime.LifetimeOf(d)
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// DeleteUserSessions deletes every session bound to userID, live or
// expired, except the one under keep (the current one, for "sign out other
// devices"), or none when keep is the zero runtime.TokenHash ("sign out
// everywhere"), in one statement, and returns the hashes of the sessions it
// deleted: what a cache in front of the store must forget. It deletes
// nothing for the userID "".
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep runtime.TokenHash) ([]runtime.TokenHash, error) {
	k := []byte{} // no hash is empty, so nothing is kept
	if keep != (runtime.TokenHash{}) {
		k = keep[:]
	}
	if s.events != nil {
		return s.deleteUserSessionsNotify(ctx, userID, k)
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
