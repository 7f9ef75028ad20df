package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// testCookieKey (a reserved key, see ReservedKeys) and testCookieValue mark
// a session whose cookie came back, as Django's set_test_cookie does.
const (
	testCookieKey   = "_testcookie"
	testCookieValue = "worked"
)

// Session is one request's view of a stored session. It keeps each key's
// JSON as stored, records which keys the request set and deleted, and loads
// nothing until it is first used.
//
// Application code does not use Session directly: the accessors that
// sessiongen generates wrap it, and reach its data through Get, Set, Delete,
// Has and Pop, and GetWith, SetWith, UpdateWith and PopWith for a key with
// a Policy. Its lifecycle methods (Flush, CycleKey, SetExpiry, ...) are
// the ones the generated type offers. A Session is safe for use by several
// goroutines of the request it belongs to.
type Session struct {
	mgr *Manager
	ctx context.Context
	req *http.Request // read on first use: an untouched session costs nothing

	identified bool // the request's cookie and User-Agent were read
	viaHeader  bool // a header client's: the token comes and goes in the token header

	mu sync.Mutex

	// token and hash identify the session the request's cookie named, or
	// the one this request saved; hasToken says whether there is one.
	token    string
	hash     TokenHash
	hasToken bool

	userAgent string // of this request, as it will be stored
	storedUA  string // as the store had it
	userID    string // the user the session is bound to, or ""

	loaded  bool  // data reflects the store (or a flush)
	stored  bool  // a live row exists under hash
	loadErr error // the store failed to load the session
	setErr  error // a value could not be encoded

	loadedSize int   // size() of the data as loaded or last saved
	version    int64 // Record.Version of the data as loaded; 0 after a save

	data     map[string]json.RawMessage
	pending  pending // what the next save writes
	accessed bool    // the handler used the session: Vary: Cookie
	badKeys  map[string]bool
	badUser  bool // a bound user id that does not parse was logged
}

// maxUserAgent bounds the stored User-Agent, which the client chooses.
const maxUserAgent = 512

// newSession returns the session of r. It reads nothing yet.
func newSession(m *Manager, r *http.Request) *Session {
	return &Session{mgr: m, ctx: r.Context(), req: r}
}

// identify reads the request's session cookie and User-Agent, once. The
// caller holds mu.
func (s *Session) identify() {
	if s.identified {
		return
	}
	s.identified = true
	s.token, s.hash, s.hasToken = s.mgr.requestToken(s.req)
	s.viaHeader = s.mgr.headerClient(s.req)
	s.userAgent = cleanUserAgent(s.req.UserAgent())
}

// load reads the session from the store on first use. The caller holds mu.
func (s *Session) load() {
	s.accessed = true
	if s.loaded {
		return
	}
	s.identify()
	s.loaded = true
	s.data = map[string]json.RawMessage{}
	if !s.hasToken {
		return
	}
	rec, err := s.mgr.store.Load(s.ctx, s.hash)
	switch {
	case errors.Is(err, ErrNotFound):
		// An unknown or expired token is never adopted: a save issues a
		// fresh one.
		s.mgr.event(EventNotFound)
	case err != nil:
		s.mgr.event(EventLoadFailed)
		s.loadErr = fmt.Errorf("runtime: load session: %w", err)
	case s.lifetimeEnded(rec.Data):
		// Past its idle or absolute deadline by the manager's clock: the
		// session has ended, as an expired one has.
		s.mgr.event(EventNotFound)
	default:
		s.mgr.event(EventLoaded)
		s.stored = true
		s.userID, s.storedUA, s.version = rec.UserID, rec.UserAgent, rec.Version
		if rec.Data != nil {
			s.data = rec.Data
		}
		s.loadedSize = s.size()
	}
}

// cleanUserAgent returns ua cut to maxUserAgent bytes of valid UTF-8,
// without control characters.
func cleanUserAgent(ua string) string {
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, ua)
}

// raw returns the stored JSON of key, loading the session if need be, or
// nothing once the value's ttl has ended (see Policy.TTL).
func (s *Session) raw(key string) (json.RawMessage, bool) { return s.rawWith(key, Policy{}) }

// decodeFailed logs, once per key and request, that a stored value no
// longer fits its type. The value itself is never logged: it may be secret.
func (s *Session) decodeFailed(key string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decodeFailedLocked(key, err)
}

// decodeFailedLocked is decodeFailed for a caller that holds mu.
func (s *Session) decodeFailedLocked(key string, err error) {
	if s.badKeys[key] {
		return
	}
	if s.badKeys == nil {
		s.badKeys = map[string]bool{}
	}
	s.badKeys[key] = true
	s.mgr.logger.LogAttrs(s.ctx, slog.LevelWarn, "session value does not decode into its type; reading it as unset",
		slog.String("key", key), slog.String("error", decodeProblem(err)))
}

// decodeProblem describes why a stored value does not decode without
// quoting it: encoding/json's errors may carry the value ("cannot unmarshal
// number 4242 into ..."), and so may a type's own UnmarshalJSON (time.Time
// quotes the string it could not parse).
func decodeProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Type != nil {
		kind, _, _ := strings.Cut(te.Value, " ") // "number 4242" → "number"
		return fmt.Sprintf("a JSON %s does not fit %s", kind, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) { // invalid, or nested past encoding/json's limit
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	}
	return "the type's decoder refused the value"
}

// put records key's new JSON value. The caller holds mu and has loaded.
func (s *Session) put(key string, raw json.RawMessage) {
	s.data[key] = raw
	s.pending.set(key)
}

// remove records the deletion of key, if present. The caller holds mu and
// has loaded.
func (s *Session) remove(key string) bool {
	if _, ok := s.data[key]; !ok {
		return false
	}
	delete(s.data, key)
	s.pending.del(key)
	return true
}

// Get returns the value stored under key, decoded into a fresh T, so
// changing what it returns never changes the session. It reports false when
// the key is absent, its ttl has ended (see Policy.TTL), or its stored
// value does not decode into T; the latter is logged once and the stored
// value is left alone.
func Get[T any](s *Session, key string) (T, bool) { return GetWith[T](s, key, Policy{}) }

// Set stores v under key. It is encoded at once, so later changes to v do
// not reach the session. A value that cannot be encoded fails the save of
// the whole session with an error wrapping ErrInvalidValue, and nothing is
// written. The value has no ttl: a deadline left by an earlier write with
// one (SetWith) is removed.
func Set[T any](s *Session, key string, v T) { SetWith(s, key, Policy{}, v) }

// encode returns v as JSON, or an error wrapping ErrInvalidValue when JSON
// cannot encode it or no store can keep it.
func encode(v any) (json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	if err := CheckStorable(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// failSet records that the value for key could not be encoded: the save of
// the whole session fails. The caller holds mu.
func (s *Session) failSet(key string, err error) {
	if s.setErr == nil {
		s.setErr = fmt.Errorf("runtime: set session key %q: %w", key, err)
	}
}

// Delete removes key from the session, with the deadline of its ttl if
// it has one.
func Delete(s *Session, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.remove(key)
	s.removeDeadline(key)
}

// Has reports whether the session holds a value under key whose ttl has
// not ended, whether or not it decodes.
func Has(s *Session, key string) bool {
	_, ok := s.raw(key)
	return ok
}

// Pop returns the value under key, as Get does, and removes it from the
// session when it was there and decoded: a flash value is read once.
func Pop[T any](s *Session, key string) (T, bool) { return PopWith[T](s, key, Policy{}) }

// Flush empties the session and ends it: its stored row is deleted, its
// cookie is expired, and anything set afterwards is saved under a new
// token. Use it when a user signs out.
func (s *Session) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessed = true
	s.identify()
	s.loaded = true
	s.stored = false
	s.loadErr = nil // the stored data is no longer wanted
	s.loadedSize = 0
	s.userID = ""
	s.data = map[string]json.RawMessage{}
	s.pending = pending{flushed: s.pending.flushed || s.hasToken, modified: true}
}

// CycleKey gives the session a new token while keeping its data; the old
// token stops working when the session is saved. Call it when a user signs
// in, so a token planted before sign-in is worthless after it.
func (s *Session) CycleKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.pending.cycled = true
	s.pending.modified = true
}

// SignIn cycles the session key, as CycleKey does, and binds the session to
// userID, kept beside the data so that a user's sessions can be listed and
// ended together ("your devices", "sign out everywhere"). Call it when a
// user signs in.
func (s *Session) SignIn(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.pending.cycled = true
	s.pending.modified = true
	s.userID = userID
	s.pending.bindUser = &userID
	s.putTime(signedInKey, s.mgr.now()) // SignedInAt; restarts the absolute lifetime
}

// BoundUser returns the user the session was bound to by SignIn, and
// whether it is bound.
func (s *Session) BoundUser() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.userID, s.userID != ""
}

// Hash returns the hash under which the session is stored, and whether it
// is stored yet. It is what stores list sessions by; the token itself is
// never exposed.
func (s *Session) Hash() (TokenHash, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.hash, s.stored
}

// IsEmpty reports whether the session holds no data. A session emptied by
// the handler is deleted, and its cookie expired, when the request ends.
func (s *Session) IsEmpty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.isEmpty()
}

// isEmpty is IsEmpty for a caller that holds mu and has loaded. The expiry,
// the deadlines of ttls and the session's lifetime alone do not make a
// session worth keeping.
func (s *Session) isEmpty() bool {
	for k := range s.data {
		if k != expiryKey && !strings.HasPrefix(k, ttlPrefix) && !isLifetimeKey(k) {
			return false
		}
	}
	return true
}

// SetExpiry sets when the session ends: ExpireAfter(d), ExpireAt(t),
// ExpireAtBrowserClose() or ExpireDefault(). It takes effect when the
// session is saved.
func (s *Session) SetExpiry(e Expiry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.pending.expirySet = true
	if e.kind == expiryDefault {
		if !s.remove(expiryKey) {
			s.pending.modified = true
		}
		return
	}
	raw, _ := json.Marshal(e.stored()) // a struct of plain fields always encodes
	s.put(expiryKey, raw)
}

// expiry returns the session's own expiry. The caller holds mu and has
// loaded.
func (s *Session) expiry() Expiry {
	raw, ok := s.data[expiryKey]
	if !ok {
		return ExpireDefault()
	}
	var st storedExpiry
	if err := json.Unmarshal(raw, &st); err != nil {
		return ExpireDefault()
	}
	return st.expiry()
}

// ExpiryAge returns how long from now the session will last once saved:
// the manager's cookie age unless SetExpiry chose otherwise, cut short by
// an idle or absolute deadline the session holds (see Lifetime) that comes
// sooner. A session that ends when the browser closes still reports the
// cookie age, which bounds its stored row.
func (s *Session) ExpiryAge() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	_, age := s.ends(s.mgr.now())
	return age
}

// ExpiryDate returns when the session will end if it is saved now, as
// ExpiryAge reckons it. The save that ends the request may move an idle
// deadline forward.
func (s *Session) ExpiryDate() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	at, _ := s.ends(s.mgr.now())
	return at
}

// ends returns when, and how long after now, the session ends if saved at
// now: its expiry, or the earliest of its lifetime deadlines when that is
// sooner, since the store keeps that one, and so enforces it, and the
// cookie must not outlive it. The caller holds mu and has loaded.
func (s *Session) ends(now time.Time) (time.Time, time.Duration) {
	e := s.expiry()
	at, age := e.date(now, s.mgr.cookieAge), e.age(now, s.mgr.cookieAge)
	if end, ok := s.lifetimeEnd(); ok && end.Before(at) {
		at, age = end, end.Sub(now)
	}
	return at, age
}

// ExpiresAtBrowserClose reports whether the session's cookie lasts only
// until the browser closes.
func (s *Session) ExpiresAtBrowserClose() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.expiry().atBrowserClose(s.mgr.expireAtBrowserClose)
}

// SetTestCookie stores a marker that TestCookieWorked finds on a later
// request if the browser sent the cookie back.
func (s *Session) SetTestCookie() {
	Set(s, testCookieKey, testCookieValue)
}

// TestCookieWorked reports whether the marker of SetTestCookie came back,
// that is, whether the browser accepts cookies; for a header client (see
// WithTokenHeader), whether it sent back the token the header gave it.
func (s *Session) TestCookieWorked() bool {
	v, ok := Get[string](s, testCookieKey)
	return ok && v == testCookieValue
}

// DeleteTestCookie removes the marker of SetTestCookie.
func (s *Session) DeleteTestCookie() {
	Delete(s, testCookieKey)
}

// MarkModified makes the session save when the request ends even if no key
// changed, which refreshes its expiry and cookie.
func (s *Session) MarkModified() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.pending.modified = true
}

// Err loads the session if it is not loaded yet and returns the error that
// will replace the response through the manager's error handler: the store
// failed to load it, or a value could not be encoded. Handlers need not
// check it; it lets one stop early.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if s.loadErr != nil {
		return s.loadErr
	}
	return s.setErr
}

// size returns the bytes of the session's keys and values. The caller holds
// mu.
func (s *Session) size() int { return SizeOf(s.data) }

// change returns the save of what changed since the load, with the new
// expiry, and the removal of the values whose ttl has ended (see sweep).
// The caller holds mu.
func (s *Session) change(expiresAt time.Time) Change {
	gone := s.sweep()
	c := Change{
		Set:       map[string]json.RawMessage{},
		ExpiresAt: expiresAt,
		UserID:    s.pending.bindUser,
		Expect:    s.pending.expect(),
	}
	if s.version != 0 {
		c.Version, c.Data = s.version, s.data
	}
	if s.userAgent != s.storedUA {
		c.UserAgent = s.userAgent
	}
	if s.mgr.maxSize > 0 {
		c.MaxSize = s.mgr.maxSize
	}
	s.limitUser(&c)
	for k := range s.pending.changes {
		if v, ok := s.data[k]; ok {
			c.Set[k] = v
		} else {
			c.Delete = append(c.Delete, k)
		}
	}
	for name, seen := range gone {
		c.Delete = append(c.Delete, name)
		if c.Expect == nil {
			c.Expect = map[string]json.RawMessage{}
		}
		c.Expect[name] = seen
	}
	return c
}

// ctxKey is the context key under which the middleware stores the Session.
type ctxKey struct{}

// FromRequest returns the session of r. It panics if r did not pass through
// Manager.Middleware: that is a wiring mistake, not a runtime condition.
func FromRequest(r *http.Request) *Session {
	s, ok := FromContext(r.Context())
	if !ok {
		panic("runtime: no session in request context: wrap the handler with Manager.Middleware")
	}
	return s
}

// FromContext returns the session stored in ctx by Manager.Middleware, and
// whether there is one.
func FromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(*Session)
	return s, ok
}
