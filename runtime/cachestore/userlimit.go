package cachestore

import (
	"context"

	"github.com/sessiongen/sessiongen/runtime"
)

// forgetEnded returns c with its Ended wrapped, when c bounds a user's
// sessions (runtime.Change.MaxUserSessions): the wrapped store reports the
// sessions it deleted for the bound, which other instances may still
// have cached, and which this one invalidates, through the same path as
// its other writes, before passing them on to c's own Ended. A Rebase's
// change is wrapped alike.
func (s *Store) forgetEnded(ctx context.Context, c runtime.Change) runtime.Change {
	if c.MaxUserSessions <= 0 {
		return c
	}
	ended := c.Ended
	c.Ended = func(hs []runtime.TokenHash) {
		s.invalidate(ctx, hs...)
		if ended != nil {
			ended(hs)
		}
	}
	if rebase := c.Rebase; rebase != nil {
		c.Rebase = func(stored runtime.Record) (runtime.Change, error) {
			next, err := rebase(stored)
			return s.forgetEnded(ctx, next), err
		}
	}
	return c
}
