package runtime

import (
	"errors"
	"fmt"
	"net/http"
)

// errLateChange is reported when the handler changed the session after the
// response headers went out in a way that needs a new cookie.
var errLateChange = errors.New("runtime: session changed after the response was written, and saving it needs a new cookie; " +
	"make the first change, Flush, CycleKey and SetExpiry before writing the response")

// commitResult is what the middleware must add to the response.
type commitResult struct {
	cookie *http.Cookie // to set, when not nil
	vary   bool         // the session was used: add Vary: Cookie
	err    error        // replace the response through the error handler
}

// commit saves the session as the response with the given status starts,
// by Django's rules: only a used session, only when modified (or on every
// request when configured), never on a 5xx response; an empty session is
// deleted and its cookie expired.
func (s *Session) commit(status int) commitResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.commitLocked(status, false)
	return commitResult{cookie: c, vary: s.accessed, err: err}
}

// commitLate saves what the handler changed after the response started. A
// change that needs no new cookie is saved; one that does is reported, as
// the cookie can no longer be sent.
func (s *Session) commitLate(status int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.commitLocked(status, true)
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
	flushed := s.flushed
	if flushed {
		// A sign-out takes effect whatever the response: the row goes now.
		if err := s.mgr.store.Delete(s.ctx, s.hash); err != nil {
			return nil, fmt.Errorf("runtime: delete flushed session: %w", err)
		}
		s.flushed = false
	}
	if s.loadErr != nil {
		return nil, s.loadErr
	}
	if s.setErr != nil {
		return nil, s.setErr
	}
	if status >= http.StatusInternalServerError {
		if flushed && s.isEmpty() {
			return s.forget(), nil
		}
		return nil, nil
	}
	if s.isEmpty() {
		return s.end()
	}
	if !s.modified && !s.mgr.saveEveryRequest {
		return nil, nil
	}
	if late && (!s.stored || s.cycled || s.expirySet) {
		return nil, errLateChange
	}
	// Only a save that grows the session past the limit is refused: one
	// that refreshes or shrinks a session already over it (concurrent
	// writes merged in the store, or the limit was lowered) goes through,
	// or its user could never save it again.
	if n, max := s.size(), s.mgr.maxSize; max > 0 && n > max && n > s.loadedSize {
		return nil, fmt.Errorf("runtime: save session: %d bytes, over the limit of %d: %w", n, max, ErrTooLarge)
	}
	return s.save()
}

// end deletes the stored row of a session the handler emptied and expires
// its cookie.
func (s *Session) end() (*http.Cookie, error) {
	if s.stored {
		if err := s.mgr.store.Delete(s.ctx, s.hash); err != nil {
			return nil, fmt.Errorf("runtime: delete emptied session: %w", err)
		}
		s.stored = false
	}
	return s.forget(), nil
}

// forget drops the session's token, returning the cookie that expires it in
// the browser if the request carried one.
func (s *Session) forget() *http.Cookie {
	had := s.hasToken
	s.token, s.hash, s.hasToken = "", TokenHash{}, false
	s.changes = map[string]bool{}
	s.modified, s.cycled, s.expirySet = false, false, false
	if !had {
		return nil
	}
	return s.mgr.expiredCookie()
}

// save writes the session: a per-key update of the stored row, that update
// moved to a new token when the key was cycled, or a new row under a fresh
// token for a session that had none.
func (s *Session) save() (*http.Cookie, error) {
	now := s.mgr.now()
	e := s.expiry()
	expiresAt := e.date(now, s.mgr.cookieAge)
	var (
		token string
		h     TokenHash
		err   error
	)
	switch {
	case s.stored && s.cycled:
		token, h = newToken()
		err = s.mgr.store.Cycle(s.ctx, s.hash, h, s.change(expiresAt))
	case s.stored:
		token, h = s.token, s.hash
		err = s.mgr.store.Update(s.ctx, h, s.change(expiresAt))
	default:
		token, h = newToken()
		err = s.mgr.store.Create(s.ctx, h, Record{
			Data: s.data, ExpiresAt: expiresAt, UserID: s.userID, UserAgent: s.userAgent,
		})
	}
	if errors.Is(err, ErrNotFound) {
		// Another request deleted the session (a sign-out, say): writing
		// it again would bring it back.
		c := s.forget()
		s.stored = false
		return c, fmt.Errorf("runtime: save session: deleted by a concurrent request: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("runtime: save session: %w", err)
	}
	s.token, s.hash, s.hasToken, s.stored = token, h, true, true
	s.loadedSize = s.size()
	s.storedUA, s.bindUser = s.userAgent, nil
	s.changes = map[string]bool{}
	s.modified, s.cycled, s.expirySet = false, false, false
	return s.mgr.cookie(token, e.age(now, s.mgr.cookieAge), e.atBrowserClose(s.mgr.expireAtBrowserClose)), nil
}
