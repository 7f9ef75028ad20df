package pgstore

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore/internal/db"
)

// ListSessions returns at most limit stored sessions, live or expired,
// newest first, after skipping offset of them, and how many there are in
// all. When userID is not "" it lists only the sessions bound to that user.
// It is what the admin page (package runtime/admin) pages through.
func (s *Store) ListSessions(ctx context.Context, userID string, offset, limit int) ([]runtime.SessionInfo, int64, error) {
	if offset < 0 || limit <= 0 {
		return nil, 0, fmt.Errorf("pgstore: list sessions: offset %d, limit %d: want offset >= 0 and limit > 0", offset, limit)
	}
	skip, size := int32(min(offset, math.MaxInt32)), int32(min(limit, math.MaxInt32))
	var (
		infos []runtime.SessionInfo
		total int64
		err   error
	)
	if userID == "" {
		if total, err = s.q.AdminCountSessions(ctx); err != nil {
			return nil, 0, fmt.Errorf("pgstore: count sessions: %w", err)
		}
		rows, err := s.q.AdminListSessions(ctx, db.AdminListSessionsParams{Skip: skip, PageSize: size})
		if err != nil {
			return nil, 0, fmt.Errorf("pgstore: list sessions: %w", err)
		}
		for _, r := range rows {
			infos = append(infos, sessionInfo(r.TokenHash, r.UserID, r.UserAgent, r.CreatedAt, r.UpdatedAt, r.ExpiresAt))
		}
		return infos, total, nil
	}
	if total, err = s.q.AdminCountUserSessions(ctx, &userID); err != nil {
		return nil, 0, fmt.Errorf("pgstore: count user sessions: %w", err)
	}
	rows, err := s.q.AdminListUserSessions(ctx, db.AdminListUserSessionsParams{UserID: &userID, Skip: skip, PageSize: size})
	if err != nil {
		return nil, 0, fmt.Errorf("pgstore: list user sessions: %w", err)
	}
	for _, r := range rows {
		infos = append(infos, sessionInfo(r.TokenHash, r.UserID, r.UserAgent, r.CreatedAt, r.UpdatedAt, r.ExpiresAt))
	}
	return infos, total, nil
}

// FindSession returns the session stored under h, live or expired, with
// its data, or runtime.ErrNotFound when there is no row under h. Unlike
// Load, it shows expired rows the janitor has not removed yet: it is for
// the admin page, not for serving requests.
func (s *Store) FindSession(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	row, err := s.q.AdminFindSession(ctx, h[:])
	return record("find session", err, row.Data, row.ExpiresAt, row.UserID, row.UserAgent, row.CreatedAt, row.UpdatedAt)
}

// sessionInfo builds a runtime.SessionInfo from a row's columns.
func sessionInfo(hash []byte, userID *string, userAgent string, created, updated, expires time.Time) runtime.SessionInfo {
	info := runtime.SessionInfo{
		UserID:    deref(userID),
		UserAgent: userAgent,
		CreatedAt: created,
		UpdatedAt: updated,
		ExpiresAt: expires,
	}
	copy(info.Hash[:], hash)
	return info
}
