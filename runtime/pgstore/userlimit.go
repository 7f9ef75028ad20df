package pgstore

import (
	"context"
	"fmt"

	"github.com/sessiongen/sessiongen/internal/sessionlist"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore/internal/db"
)

// limited reports whether c binds its session to a user with a bound on
// the user's sessions (runtime.Change.MaxUserSessions).
func limited(c runtime.Change) bool {
	return c.MaxUserSessions > 0 && c.UserID != nil && *c.UserID != ""
}

// saveLimited is save for a change that binds the session under h, which
// replace leaves under to, to a user whose sessions c.MaxUserSessions
// bounds. It is one transaction (a savepoint in a pgx.Tx): it takes the
// user's advisory lock (LockUser), which every such change of the user
// takes, on any pool or instance, writes c as save does, at c.Version or
// as a merge under the row's lock, then locks the user's other live
// sessions and deletes all but the c.MaxUserSessions-1 most recently
// saved. Once it has committed, it calls c.Ended with the hashes it
// deleted, if any. In a pgx.Tx, that is before the caller commits.
//
// Only these changes pay for the transaction and the lock: other saves
// keep the single statement of the version's fast path.
func (s *Store) saveLimited(ctx context.Context, op string, h, to runtime.TokenHash, c runtime.Change, replace replacer) error {
	ended, err := s.writeLimited(ctx, h, to, c, replace)
	if err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	if len(ended) > 0 && c.Ended != nil {
		c.Ended(ended)
	}
	return nil
}

// writeLimited is the transaction of saveLimited, and returns the hashes
// of the sessions it deleted.
func (s *Store) writeLimited(ctx context.Context, h, to runtime.TokenHash, c runtime.Change, replace replacer) ([]runtime.TokenHash, error) {
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit, a no-op
	q := s.q.WithTx(tx)
	if err := q.LockUser(ctx, *c.UserID); err != nil {
		return nil, fmt.Errorf("lock the user's sessions: %w", err)
	}
	u := metaOf(c)
	n, err := replaceAt(q, c, u, replace)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		if err := lockedMerge(ctx, q, h, c, u, replace); err != nil {
			return nil, err
		}
	}
	ended, err := endOthers(ctx, q, *c.UserID, to, c.MaxUserSessions)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return ended, nil
}

// endOthers deletes, with q, in the caller's transaction, which holds the
// user's lock, the live sessions of userID but the one under self beyond
// the limit-1 most recently saved, and returns their hashes. The rows are
// locked first, and their last-save times read as they are now, so the
// deletion takes exactly the sessions the count chose.
func endOthers(ctx context.Context, q *db.Queries, userID string, self runtime.TokenHash, limit int) ([]runtime.TokenHash, error) {
	rows, err := q.LockUserSessions(ctx, db.LockUserSessionsParams{UserID: &userID, Keep: self[:]})
	if err != nil {
		return nil, fmt.Errorf("lock the user's sessions: %w", err)
	}
	others := make([]runtime.SessionInfo, len(rows))
	for i, r := range rows {
		copy(others[i].Hash[:], r.TokenHash)
		others[i].UpdatedAt = r.UpdatedAt
	}
	surplus := sessionlist.Surplus(others, limit-1)
	if len(surplus) == 0 {
		return nil, nil
	}
	del := make([][]byte, len(surplus))
	for i := range surplus {
		del[i] = surplus[i][:]
	}
	gone, err := q.DeleteSessions(ctx, del)
	if err != nil {
		return nil, fmt.Errorf("delete the user's least recently used sessions: %w", err)
	}
	hs := make([]runtime.TokenHash, len(gone))
	for i, g := range gone {
		copy(hs[i][:], g)
	}
	return hs, nil
}
