package filestore

import (
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"time"

	"github.com/sessiongen/sessiongen/internal/sessionlist"
	"github.com/sessiongen/sessiongen/runtime"
)

// limited reports whether c binds its session to a user with a bound on
// the user's sessions (runtime.Change.MaxUserSessions).
func limited(c runtime.Change) bool {
	return c.MaxUserSessions > 0 && c.UserID != nil && *c.UserID != ""
}

// userLockName returns the name of the lock file of userID's sessions in
// the lock directory: "u" and one of the stripes' names, by the first
// byte of the SHA-256 of the id, so that the directory holds 256 such
// files at most, whatever the number of users, and users who share one
// only wait for each other.
func userLockName(userID string) string {
	sum := sha256.Sum256([]byte(userID))
	return "u" + stripeNames[sum[0]]
}

// changeLimited is change for a change that binds the session under from,
// stored under to, to a user whose sessions c.MaxUserSessions bounds. It
// holds the user's lock file, which every such change of the user takes,
// in any process sharing the directory, from before the write until the
// user's sessions beyond the bound are deleted, so that concurrent
// sign-ins of the user cannot leave more. Then it calls c.Ended with the
// hashes it deleted, if any. A crash between the write and the deletions
// leaves the user over the bound until the next sign-in: the store has
// no transactions.
func (s *Store) changeLimited(ctx context.Context, op string, from, to runtime.TokenHash, c runtime.Change) error {
	user, err := flock(ctx, filepath.Join(s.locks.dir, userLockName(*c.UserID)), true)
	if err != nil {
		return failed(op, err)
	}
	unbounded := c
	unbounded.MaxUserSessions = 0
	if err := s.change(ctx, op, from, to, unbounded); err != nil {
		_ = user.Close()
		return err
	}
	ended, err := s.endOthers(ctx, *c.UserID, to, c.MaxUserSessions)
	_ = user.Close() // releases the lock
	if len(ended) > 0 && c.Ended != nil {
		c.Ended(ended)
	}
	return failed(op, err)
}

// endOthers deletes the live sessions of userID but the one under self
// beyond the limit-1 most recently saved, and returns their hashes, also
// when it fails part way. The caller holds the user's lock. It reads
// every session file, holding the cycle lock, so that no session of the
// user escapes the count by moving to a new hash meanwhile.
func (s *Store) endOthers(ctx context.Context, userID string, self runtime.TokenHash, limit int) ([]runtime.TokenHash, error) {
	release, err := s.locks.lockCycles(ctx, true)
	if err != nil {
		return nil, err
	}
	defer release()
	now := time.Now()
	infos, err := s.sessions(ctx, func(sess *session) bool { return sess.UserID == userID && sess.live(now) })
	if err != nil {
		return nil, err
	}
	others := infos[:0]
	for _, info := range infos {
		if info.Hash != self {
			others = append(others, info)
		}
	}
	bound := func(sess *session) bool { return sess.UserID == userID }
	var gone []runtime.TokenHash
	for _, h := range sessionlist.Surplus(others, limit-1) {
		removed, err := s.removeIf(ctx, h, bound)
		if err != nil {
			return gone, errors.Join(err, syncDir(s.dir))
		}
		if removed {
			gone = append(gone, h)
		}
	}
	if len(gone) > 0 {
		return gone, syncDir(s.dir)
	}
	return gone, nil
}
