package memstore

import (
	"github.com/sessiongen/sessiongen/internal/sessionlist"
	"github.com/sessiongen/sessiongen/runtime"
)

// endOthers enforces c.MaxUserSessions after c bound the session now
// stored under self, next, to a user: it deletes that user's other live
// sessions beyond c.MaxUserSessions-1, least recently saved first, and
// returns their hashes. The caller holds mu, which it has held since it
// read the session, so that the bind and the deletions are one step.
func (s *Store) endOthers(self runtime.TokenHash, next session, c runtime.Change) []runtime.TokenHash {
	if c.MaxUserSessions <= 0 || c.UserID == nil || *c.UserID == "" {
		return nil
	}
	var others []runtime.SessionInfo
	for h, sess := range s.sessions {
		if h == self || sess.userID != next.userID {
			continue
		}
		if _, ok := s.live(h); ok {
			others = append(others, runtime.SessionInfo{Hash: h, UpdatedAt: sess.updatedAt})
		}
	}
	gone := sessionlist.Surplus(others, c.MaxUserSessions-1)
	for _, h := range gone {
		delete(s.sessions, h)
	}
	return gone
}

// reportEnded returns err, the outcome of the change c, after calling
// c.Ended with the sessions the change deleted for c.MaxUserSessions, if
// it committed and deleted any. The caller does not hold mu.
func reportEnded(err error, c runtime.Change, ended []runtime.TokenHash) error {
	if err == nil && len(ended) > 0 && c.Ended != nil {
		c.Ended(ended)
	}
	return err
}
