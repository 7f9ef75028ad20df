package runtime

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// MaxUpdateAttempts bounds how many times a save writes a session whose
// keys changed through Update while concurrent requests keep changing
// them: after that many conflicts the save fails with an error wrapping
// ErrConflict.
const MaxUpdateAttempts = 20

// maxConflictBackoff bounds the pause between two attempts of a save.
const maxConflictBackoff = 200 * time.Millisecond

// errLateChange is reported when the handler changed the session after the
// response headers went out in a way that needs a new cookie.
var errLateChange = errors.New("runtime: session changed after the response was written, and saving it needs a new cookie; " +
	"make the first change, Flush, CycleKey and SetExpiry before writing the response")

// errLateEnd is reported when the handler ended the session after the
// response headers went out: the row is deleted, but the cookie that would
// expire it in the browser could not be sent.
var errLateEnd = errors.New("runtime: session ended after the response was written: it is deleted, " +
	"but its cookie could not be expired; Flush before writing the response")

// commitResult is what the middleware must add to the response.
type commitResult struct {
	cookie    *http.Cookie // to set, when not nil
	viaHeader bool         // send cookie's token in the token header instead
	vary      bool         // the session was used: add Vary: Cookie
	err       error        // replace the response through the error handler
}

// commit saves the session as the response with the given status starts,
// by Django's rules: only a used session, only when modified (or on every
// request when configured), never on a 5xx response; an empty session is
// deleted and its cookie expired.
func (s *Session) commit(status int) commitResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.commitLocked(status, false)
	return commitResult{cookie: c, viaHeader: s.viaHeader, vary: s.accessed, err: err}
}

// commitLate saves what the handler changed after the response started. A
// change that needs no new cookie is saved; one that does is reported, as
// the cookie can no longer be sent. A sign-out is written either way.
func (s *Session) commitLate(status int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.commitLocked(status, true)
	if err == nil && c != nil && c.MaxAge < 0 {
		err = errLateEnd // the session ended; a refreshed cookie is no loss
	}
	return err
}

func (s *Session) commitLocked(status int, late bool) (*http.Cookie, error) {
	if !s.accessed {
		if !s.mgr.saveEveryRequest {
			return nil, nil
		}
		if s.identify(); !s.hasToken {
			return nil, nil
		}
		s.load()
	}
	ended := s.pending.flushed
	if ended {
		// A sign-out takes effect whatever the response: the row goes now.
		if err := s.deleteStored(); err != nil {
			return nil, fmt.Errorf("runtime: delete flushed session: %w", err)
		}
		s.pending.flushed = false
	}
	if s.loadErr != nil {
		return nil, s.loadErr
	}
	if s.setErr != nil {
		return nil, s.setErr
	}
	if status >= http.StatusInternalServerError {
		if ended {
			return s.forget(true), nil
		}
		return nil, nil
	}
	if s.isEmpty() {
		return s.end(ended)
	}
	if !late {
		// A late save sends no cookie, so it moves no deadline that the
		// cookie would then fall short of.
		s.stampLifetime()
	}
	if !s.pending.modified && !s.mgr.saveEveryRequest {
		return nil, nil
	}
	if late && (!s.stored || s.pending.cycled || s.pending.expirySet) {
		return nil, errLateChange
	}
	// Only a save that grows the session past the limit is refused: one
	// that refreshes or shrinks a session already over it (concurrent
	// writes merged in the store, or the limit was lowered) goes through,
	// or its user could never save it again. The store checks the same in
	// its write, where concurrent saves cannot pass it together.
	if n, max := s.size(), s.mgr.maxSize; max > 0 && n > max && n > s.loadedSize {
		return nil, fmt.Errorf("runtime: save session: %d bytes, over the limit of %d: %w", n, max, ErrTooLarge)
	}
	return s.save()
}

// writeContext returns the context of the store writes that end a request:
// not cancelled with the request, so that a client that disconnects does
// not undo a sign-out or lose a save, and bounded by the save timeout.
func (s *Session) writeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(s.ctx), s.mgr.saveTimeout)
}

// deleteStored deletes the row under the session's hash.
func (s *Session) deleteStored() error {
	ctx, cancel := s.writeContext()
	defer cancel()
	if err := s.mgr.store.Delete(ctx, s.hash); err != nil {
		s.mgr.event(EventSaveFailed)
		return err
	}
	s.mgr.event(EventDeleted)
	s.mgr.publish(ctx, Lifecycle{Kind: LifecycleEnded, Hash: s.hash, UserID: s.userID, Reason: EndSignedOut, At: s.mgr.now()})
	return nil
}

// end deletes the stored row of a session the handler emptied, and expires
// its cookie if this request ended a live session: a Flush, or emptying
// the session it loaded. A request whose token named no live session (a
// stale token from before a concurrent CycleKey, say) leaves the cookie
// alone, or it could delete the cookie that the concurrent request set.
func (s *Session) end(flushed bool) (*http.Cookie, error) {
	ended := flushed
	if s.stored {
		if err := s.deleteStored(); err != nil {
			return nil, fmt.Errorf("runtime: delete emptied session: %w", err)
		}
		s.stored, ended = false, true
	}
	return s.forget(ended), nil
}

// forget drops the session's token and pending changes, returning the
// cookie that expires it in the browser when expire is set and the
// request carried one.
func (s *Session) forget(expire bool) *http.Cookie {
	had := s.hasToken
	s.token, s.hash, s.hasToken = "", TokenHash{}, false
	s.pending = pending{}
	if !had || !expire {
		return nil
	}
	return s.mgr.expiredCookie()
}

// save writes the session: a per-key update of the stored row, that update
// moved to a new token when the key was cycled, or a new row under a fresh
// token for a session that had none. A save whose updates conflict with a
// concurrent request's is applied again to the session as it is now.
func (s *Session) save() (*http.Cookie, error) {
	expiresAt, age := s.ends(s.mgr.now())
	if age < time.Second {
		// An expiry that has passed, or will within the cookie's smallest
		// unit, ends the session rather than storing it expired.
		return s.end(true)
	}
	token, h := s.token, s.hash
	if !s.stored || s.pending.cycled {
		token, h = newToken()
	}
	ctx, cancel := s.writeContext()
	defer cancel()
	err := s.write(ctx, h, expiresAt)
	for attempt := 1; errors.Is(err, ErrConflict) && attempt < MaxUpdateAttempts; attempt++ {
		s.mgr.event(EventConflict)
		if err = s.retry(ctx, attempt); err == nil {
			err = s.write(ctx, h, expiresAt)
		}
	}
	if err != nil {
		s.mgr.event(EventSaveFailed)
	}
	if errors.Is(err, ErrNotFound) {
		// Another request deleted the session (a sign-out, or a CycleKey
		// that moved it): writing it again would bring it back. The cookie
		// is left alone, as the other request may have set a new one.
		s.forget(false)
		s.stored = false
		return nil, fmt.Errorf("runtime: save session: deleted by a concurrent request: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("runtime: save session: %w", err)
	}
	if s.stored {
		s.mgr.event(EventSaved)
	} else {
		s.mgr.event(EventCreated)
	}
	s.publishSave(ctx, h)
	s.token, s.hash, s.hasToken, s.stored = token, h, true, true
	s.loadedSize = s.size()
	s.storedUA = s.userAgent
	s.version = 0 // the store's new version is not known
	s.pending = pending{}
	return s.mgr.cookie(token, age, s.expiry().atBrowserClose(s.mgr.expireAtBrowserClose)), nil
}

// write sends the save to the store: a Cycle to h, an Update, or a Create
// under h (then an Update, for a sign-in whose user's sessions the manager
// bounds: createBound).
func (s *Session) write(ctx context.Context, h TokenHash, expiresAt time.Time) error {
	switch {
	case s.stored && s.pending.cycled:
		return s.mgr.store.Cycle(ctx, s.hash, h, s.rebasable(expiresAt))
	case s.stored:
		return s.mgr.store.Update(ctx, h, s.rebasable(expiresAt))
	case s.bindsLimited():
		return s.createBound(ctx, h, expiresAt)
	default:
		return s.mgr.store.Create(ctx, h, Record{
			Data: s.data, ExpiresAt: expiresAt, UserID: s.userID, UserAgent: s.userAgent,
		})
	}
}

// rebasable returns the change of the save, with a Rebase that lets the
// store apply this request's changes again to what it stores, as retry
// does, without another round of the save. The store calls it while s.mu
// is held, during the save.
func (s *Session) rebasable(expiresAt time.Time) Change {
	c := s.change(expiresAt)
	if len(c.Expect) > 0 {
		c.Rebase = func(stored Record) (Change, error) {
			s.mgr.event(EventConflict)
			if err := s.rebase(stored); err != nil {
				return Change{}, err
			}
			return s.change(expiresAt), nil
		}
	}
	return c
}

// retry prepares the next attempt of a save that conflicted: after a
// random pause that grows with attempt, it reloads the session and applies
// the request's changes to it again.
func (s *Session) retry(ctx context.Context, attempt int) error {
	pause := time.NewTimer(rand.N(min(time.Millisecond<<attempt, maxConflictBackoff)))
	defer pause.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-pause.C:
	}
	rec, err := s.mgr.store.Load(ctx, s.hash)
	if err != nil {
		return err
	}
	return s.rebase(rec)
}
