package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// WithMaxSessionsPerUser bounds how many live sessions one user may have
// (default none; zero or less means none): a Session.SignIn that would
// make the user's sessions more than n ends that user's least recently
// used sessions, those the store saved longest ago, so that n are left,
// the signed-in one included. The store does it in the same atomic step
// as the sign-in's bind (see Change.MaxUserSessions), so concurrent
// sign-ins of one user, on any number of instances, cannot leave more
// than n. A session that is only read is not saved, so "used" means
// saved: with WithSaveEveryRequest, every request counts.
//
// A store that cannot bound a user's sessions atomically fails the
// sign-in with an error wrapping errors.ErrUnsupported: redisstore over a
// Redis Cluster does. pgstore, memstore, filestore, redisstore over a
// single server and cachestore over one of them bound them.
func WithMaxSessionsPerUser(n int) Option {
	return func(m *Manager) { m.maxUserSessions = max(n, 0) }
}

// limitUser adds the manager's bound on a user's sessions to c when c
// binds the session to a user. The caller holds mu.
func (s *Session) limitUser(c *Change) {
	if n := s.mgr.maxUserSessions; n > 0 && c.UserID != nil && *c.UserID != "" {
		ctx := s.ctx
		c.MaxUserSessions = n
		c.Ended = func(hs []TokenHash) { s.mgr.endedByLimit(ctx, hs) }
	}
}

// endedByLimit is told of the sessions a store deleted for
// WithMaxSessionsPerUser. Their ends are no error: they are logged at
// Debug, without the user, whose id may be personal data.
func (m *Manager) endedByLimit(ctx context.Context, hs []TokenHash) {
	m.logger.LogAttrs(ctx, slog.LevelDebug, "sessions ended by the per-user session limit",
		slog.Int("sessions", len(hs)), slog.Int("limit", m.maxUserSessions))
	m.publishUserLimit(ctx, hs)
}

// createBound stores a new session under h that a SignIn binds to a user
// while the manager bounds users' sessions: Create takes no Change, so
// the session is created unbound, then bound by an Update that carries
// the bound, and deleted again if that fails.
func (s *Session) createBound(ctx context.Context, h TokenHash, expiresAt time.Time) error {
	if err := s.mgr.store.Create(ctx, h, Record{Data: s.data, ExpiresAt: expiresAt, UserAgent: s.userAgent}); err != nil {
		return err
	}
	c := Change{ExpiresAt: expiresAt, UserID: &s.userID}
	s.limitUser(&c)
	err := s.mgr.store.Update(ctx, h, c)
	if err != nil {
		// The session was never handed out: no cookie carries h.
		if derr := s.mgr.store.Delete(ctx, h); derr != nil {
			err = errors.Join(err, fmt.Errorf("runtime: delete the session created unbound: %w", derr))
		}
	}
	return err
}

// bindsLimited reports whether a Create of the session would bind it to
// a user while the manager bounds users' sessions. The caller holds mu.
func (s *Session) bindsLimited() bool {
	return s.mgr.maxUserSessions > 0 && s.pending.bindUser != nil && s.userID != ""
}
