package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// The reserved keys (see ReservedKeys) of a session's sign-in and of its
// deadlines. The deadlines themselves are kept, not only what they are
// counted from, so that a tool reading the data (the admin page) knows
// them without knowing the manager's settings; each holds a JSON time.
const (
	signedInKey         = "_signed_in"
	idleDeadlineKey     = "_idle_until"
	absoluteDeadlineKey = "_absolute_until"
	idleTimeoutKey      = "_idle_timeout"      // seconds, set by SetIdleTimeout
	absoluteLifetimeKey = "_absolute_lifetime" // seconds, set by SetAbsoluteLifetime
)

// IdleRefreshDivisor says how often the idle deadline of a session in use
// moves forward: at most once per idle timeout divided by it, so that a
// session read on every request is written once in that many readings of
// a tenth of its timeout, not on each. A session in use thus always has at
// least (IdleRefreshDivisor-1)/IdleRefreshDivisor of its idle timeout
// left.
const IdleRefreshDivisor = 10

// WithIdleTimeout ends a session that no request used for d, however long
// its cookie age (default none; zero or less: none). A request uses the
// session when its handler reads or writes it. Its stored expiry, and its
// cookie's Max-Age, never pass the idle deadline; a session read without
// being changed is written only when its deadline has not moved for
// d/IdleRefreshDivisor. Session.SetIdleTimeout changes d for one session.
// Durations count in whole seconds; under a second is one.
func WithIdleTimeout(d time.Duration) Option {
	return func(m *Manager) { m.idleTimeout = wholeSeconds(d) }
}

// WithAbsoluteLifetime ends every session d after it was created or its
// user last signed in (Session.SignIn), however active it is (default
// none; zero or less: none). Its stored expiry, and its cookie's Max-Age,
// never pass that deadline. Session.SetAbsoluteLifetime changes d for one
// session. Durations count in whole seconds; under a second is one.
func WithAbsoluteLifetime(d time.Duration) Option {
	return func(m *Manager) { m.absoluteLifetime = wholeSeconds(d) }
}

// wholeSeconds returns d rounded up to whole seconds, as cookies and the
// stored overrides count them, or 0 for d of zero or less: none.
func wholeSeconds(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// SetIdleTimeout gives this session an idle timeout of its own in place of
// the manager's (WithIdleTimeout): it ends once no request used it for d.
// A d of zero or less returns it to the manager's. It takes effect when
// the session is saved, counting from then.
func (s *Session) SetIdleTimeout(d time.Duration) { s.setOverride(idleTimeoutKey, d) }

// SetAbsoluteLifetime gives this session an absolute lifetime of its own
// in place of the manager's (WithAbsoluteLifetime): it ends d after its
// user last signed in, or, for a session never signed in, d after the
// save. A d of zero or less returns it to the manager's. Call it with
// SignIn for a "remember me" sign-in.
func (s *Session) SetAbsoluteLifetime(d time.Duration) { s.setOverride(absoluteLifetimeKey, d) }

// setOverride stores, or removes, the per-session setting under key.
func (s *Session) setOverride(key string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.pending.modified = true
	if d = wholeSeconds(d); d == 0 {
		s.remove(key)
		return
	}
	raw, _ := json.Marshal(int64(d / time.Second)) // an integer always encodes
	s.put(key, raw)
}

// Lifetime is what a session's data says of its sign-in and its
// deadlines. A zero time means none.
type Lifetime struct {
	// SignedInAt is when SignIn last bound the session to a user.
	SignedInAt time.Time
	// IdleDeadline is when the session ends unless a request uses it
	// (WithIdleTimeout).
	IdleDeadline time.Time
	// AbsoluteDeadline is when the session ends however it is used
	// (WithAbsoluteLifetime).
	AbsoluteDeadline time.Time
}

// LifetimeKeys returns the keys of a session's data that LifetimeOf reads:
// what a store that lists sessions (UserStore.UserSessions) without
// reading their whole data reads to fill SessionInfo.Lifetime.
func LifetimeKeys() []string {
	return []string{signedInKey, idleDeadlineKey, absoluteDeadlineKey}
}

// LifetimeOf reads the Lifetime of a session from its stored data
// (Record.Data), as the admin page does: only the keys of LifetimeKeys. A
// time that does not decode reads as none.
func LifetimeOf(data map[string]json.RawMessage) Lifetime {
	at := func(key string) time.Time {
		t, _ := timeIn(data, key)
		return t
	}
	return Lifetime{
		SignedInAt:       at(signedInKey),
		IdleDeadline:     at(idleDeadlineKey),
		AbsoluteDeadline: at(absoluteDeadlineKey),
	}
}

// Lifetime reads the stored session under h, and returns what its data
// says of its sign-in and deadlines, as SessionInfo.Lifetime does in a
// listing. It costs one Store.Load. It returns an error wrapping
// ErrNotFound when no live session is stored under h.
func (m *Manager) Lifetime(ctx context.Context, h TokenHash) (Lifetime, error) {
	rec, err := m.store.Load(ctx, h)
	if err != nil {
		return Lifetime{}, fmt.Errorf("runtime: lifetime: %w", err)
	}
	return LifetimeOf(rec.Data), nil
}

// Lifetime returns what the session's data says of its sign-in and its
// deadlines, as loaded or as this request changed them so far. The save
// that ends the request may move the idle deadline forward.
func (s *Session) Lifetime() Lifetime {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return LifetimeOf(s.data)
}

// timeIn returns the JSON time under key in data, and whether there is one
// that decodes.
func timeIn(data map[string]json.RawMessage, key string) (time.Time, bool) {
	raw, ok := data[key]
	if !ok {
		return time.Time{}, false
	}
	var t time.Time
	if json.Unmarshal(raw, &t) != nil {
		return time.Time{}, false
	}
	return t, true
}

// putTime stores t under key, to the millisecond as the ttls' deadlines
// are. The caller holds mu and has loaded.
func (s *Session) putTime(key string, t time.Time) {
	raw, _ := json.Marshal(t.UTC().Truncate(time.Millisecond)) // a time of this era always encodes
	s.put(key, raw)
}

// isLifetimeKey reports whether key is one of the runtime's keys of the
// session's lifetime, which alone do not make a session worth keeping.
func isLifetimeKey(key string) bool {
	switch key {
	case signedInKey, idleDeadlineKey, absoluteDeadlineKey, idleTimeoutKey, absoluteLifetimeKey:
		return true
	}
	return false
}

// override returns the per-session setting under key, or def. The caller
// holds mu and has loaded.
func (s *Session) override(key string, def time.Duration) time.Duration {
	raw, ok := s.data[key]
	if !ok {
		return def
	}
	var secs int64
	if json.Unmarshal(raw, &secs) != nil || secs <= 0 || secs > int64(1<<62/time.Second) {
		return def
	}
	return time.Duration(secs) * time.Second
}

// idleTimeout returns the idle timeout in force for the session, or 0 for
// none. The caller holds mu and has loaded.
func (s *Session) idleTimeout() time.Duration { return s.override(idleTimeoutKey, s.mgr.idleTimeout) }

// absoluteLifetime returns the absolute lifetime in force for the session,
// or 0 for none. The caller holds mu and has loaded.
func (s *Session) absoluteLifetime() time.Duration {
	return s.override(absoluteLifetimeKey, s.mgr.absoluteLifetime)
}

// lifetimeEnded reports whether the loaded data has passed its idle or
// absolute deadline by the manager's clock. The store ends such a session
// by itself, as its stored expiry is never later; this catches a store
// whose clock lags, and a deadline shortened since the save. A deadline
// that does not decode counts as passed: a session must never outlive its
// deadline by surprise.
func (s *Session) lifetimeEnded(data map[string]json.RawMessage) bool {
	now := s.mgr.now()
	for _, key := range [...]string{idleDeadlineKey, absoluteDeadlineKey} {
		if _, ok := data[key]; !ok {
			continue
		}
		if t, ok := timeIn(data, key); !ok || !now.Before(t) {
			return true
		}
	}
	return false
}

// stampLifetime records, before the save the request may make, the
// deadlines the session's settings call for: the idle deadline moved to
// the idle timeout from now when it is missing, when a save is due anyway,
// when it has not moved for the timeout's IdleRefreshDivisor-th part, or
// when it lies beyond the timeout (the timeout was shortened); the
// absolute deadline set from the last sign-in, or from now, when it is
// missing, at a sign-in, when the session's own lifetime changed, and cut
// to the lifetime from now when it lies beyond; and a deadline whose
// setting is gone removed. Any of these makes a save due. The caller holds
// mu and has loaded.
func (s *Session) stampLifetime() {
	now := s.mgr.now()
	due := s.pending.modified || s.mgr.saveEveryRequest
	if idle := s.idleTimeout(); idle > 0 {
		t, ok := timeIn(s.data, idleDeadlineKey)
		left := t.Sub(now)
		if !ok || due || left > idle || left <= idle-idle/IdleRefreshDivisor {
			s.putTime(idleDeadlineKey, now.Add(idle))
		}
	} else {
		s.remove(idleDeadlineKey)
	}
	if life := s.absoluteLifetime(); life > 0 {
		t, ok := timeIn(s.data, absoluteDeadlineKey)
		_, changed := s.pending.changes[absoluteLifetimeKey]
		switch {
		case !ok || s.pending.bindUser != nil || changed:
			from := now
			if signedIn, ok := timeIn(s.data, signedInKey); ok {
				from = signedIn
			}
			s.putTime(absoluteDeadlineKey, from.Add(life))
		case t.Sub(now) > life:
			s.putTime(absoluteDeadlineKey, now.Add(life))
		}
	} else {
		s.remove(absoluteDeadlineKey)
	}
}

// lifetimeEnd returns the earliest of the session's idle and absolute
// deadlines, and whether it has one. The caller holds mu.
func (s *Session) lifetimeEnd() (time.Time, bool) {
	var end time.Time
	for _, key := range [...]string{idleDeadlineKey, absoluteDeadlineKey} {
		if t, ok := timeIn(s.data, key); ok && (end.IsZero() || t.Before(end)) {
			end = t
		}
	}
	return end, !end.IsZero()
}
