package runtime

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/runtime/keyring"
)

// Defaults of the Manager's settings: Django's, with Plain's Secure cookie.
const (
	DefaultCookieName = "sessionid"
	DefaultCookieAge  = 1209600 * time.Second // two weeks
	DefaultCookiePath = "/"
	// DefaultMaxSize bounds a session's stored JSON: 64 KiB.
	DefaultMaxSize = 64 << 10
	// DefaultSaveTimeout bounds the store writes made as a response starts.
	DefaultSaveTimeout = 5 * time.Second
)

// HostCookieName is the cookie name that WithHostCookie sets: the __Host-
// prefix makes browsers accept the cookie only with Secure, Path=/ and no
// Domain, so no sibling subdomain can set or overwrite it.
const HostCookieName = "__Host-" + DefaultCookieName

// Manager holds the session settings and the Store, and provides the
// middleware that gives each request its Session. It is safe for
// concurrent use; build it once with NewManager.
type Manager struct {
	store Store

	cookieName           string
	cookieAge            time.Duration
	cookieDomain         string
	cookiePath           string
	cookieSecure         bool
	cookieHTTPOnly       bool
	cookieSameSite       http.SameSite
	cookiePartitioned    bool
	tokenHeader          string // WithTokenHeader, canonical; "": none
	cookieless           bool   // WithoutCookie: the header is the only carrier
	saveEveryRequest     bool
	expireAtBrowserClose bool
	maxSize              int
	maxUserSessions      int // WithMaxSessionsPerUser; 0: no bound
	saveTimeout          time.Duration
	ring                 *keyring.Ring // seals the values of encrypted keys; nil: none

	idleTimeout      time.Duration // WithIdleTimeout; 0: none
	absoluteLifetime time.Duration // WithAbsoluteLifetime; 0: none

	errorHandler func(http.ResponseWriter, *http.Request, error)
	observe      func(Event)
	bus          EventBus // WithEventBus; nil: no lifecycle events
	hub          *endHub  // Manager.Ended's waiters; nil without a bus
	logger       *slog.Logger
	now          func() time.Time
}

// Option changes a setting of a Manager. An option that takes a size or a
// timeout treats zero or less as "the default", as every option of
// sessiongen's packages does.
type Option func(*Manager)

// NewManager returns a Manager that keeps sessions in store, with Django's
// defaults, and Plain's Secure cookie, changed by opts: cookie "sessionid",
// two weeks, path "/", no domain, Secure, HttpOnly, SameSite=Lax, saved only
// when modified, not ending at browser close.
//
// It fails, saying which setting is wrong, when browsers would drop the
// cookie it sets: a name that is not a cookie name, a __Host- name without
// Secure, with a Domain or with a Path other than "/", a __Secure- name,
// SameSite=None or Partitioned without Secure, an invalid Domain or Path,
// or a cookie age under a second.
func NewManager(store Store, opts ...Option) (*Manager, error) {
	m := &Manager{
		store:          store,
		cookieName:     DefaultCookieName,
		cookieAge:      DefaultCookieAge,
		cookiePath:     DefaultCookiePath,
		cookieSecure:   true,
		cookieHTTPOnly: true,
		cookieSameSite: http.SameSiteLaxMode,
		maxSize:        DefaultMaxSize,
		saveTimeout:    DefaultSaveTimeout,
		errorHandler:   DefaultErrorHandler,
		logger:         slog.Default(),
		now:            time.Now,
	}
	for _, o := range opts {
		o(m)
	}
	if store == nil {
		return nil, errors.New("runtime: NewManager: no store")
	}
	if err := m.checkCookie(); err != nil {
		return nil, fmt.Errorf("runtime: NewManager: %w", err)
	}
	if err := m.checkTokenHeader(); err != nil {
		return nil, fmt.Errorf("runtime: NewManager: %w", err)
	}
	return m, nil
}

// checkCookie reports a cookie setting that browsers would refuse, so that
// it fails at start instead of as a session that never sticks.
func (m *Manager) checkCookie() error {
	c := m.baseCookie("x")
	if err := c.Valid(); err != nil {
		return fmt.Errorf("cookie %q: %w", c.Name, err)
	}
	switch {
	case m.cookieAge < time.Second:
		return fmt.Errorf("cookie age %v: browsers count Max-Age in whole seconds; give at least 1s", m.cookieAge)
	case c.Path != "" && !strings.HasPrefix(c.Path, "/"):
		return fmt.Errorf("cookie path %q: must start with /", c.Path)
	case strings.HasPrefix(c.Name, "__Host-") && !c.Secure:
		return fmt.Errorf("cookie %q: a __Host- cookie needs Secure", c.Name)
	case strings.HasPrefix(c.Name, "__Host-") && c.Domain != "":
		return fmt.Errorf("cookie %q: a __Host- cookie takes no Domain (have %q)", c.Name, c.Domain)
	case strings.HasPrefix(c.Name, "__Host-") && c.Path != "/":
		return fmt.Errorf("cookie %q: a __Host- cookie needs Path \"/\" (have %q)", c.Name, c.Path)
	case strings.HasPrefix(c.Name, "__Secure-") && !c.Secure:
		return fmt.Errorf("cookie %q: a __Secure- cookie needs Secure", c.Name)
	case c.SameSite == http.SameSiteNoneMode && !c.Secure:
		return fmt.Errorf("cookie %q: SameSite=None needs Secure", c.Name)
	}
	return nil
}

// WithCookieName sets the session cookie's name (default "sessionid").
func WithCookieName(name string) Option { return func(m *Manager) { m.cookieName = name } }

// WithCookieAge sets how long a session lasts after it is saved, unless
// Session.SetExpiry says otherwise (default two weeks). It is the cookie's
// Max-Age and the stored row's lifetime.
func WithCookieAge(d time.Duration) Option { return func(m *Manager) { m.cookieAge = d } }

// WithCookieDomain sets the cookie's Domain attribute (default none: the
// cookie goes to the host that set it only).
func WithCookieDomain(domain string) Option { return func(m *Manager) { m.cookieDomain = domain } }

// WithCookiePath sets the cookie's Path attribute (default "/").
func WithCookiePath(path string) Option { return func(m *Manager) { m.cookiePath = path } }

// WithCookieSecure sets the cookie's Secure attribute (default true, as in
// Plain), which keeps the browser from sending the token over plain HTTP.
// Browsers, curl and net/http/cookiejar treat http://localhost and loopback
// addresses as secure, so local development works with it on; turn it off
// only to serve plain HTTP on another address, such as a LAN IP.
func WithCookieSecure(secure bool) Option { return func(m *Manager) { m.cookieSecure = secure } }

// WithCookiePartitioned sets the cookie's Partitioned attribute (CHIPS;
// default false), for a site embedded in other sites' pages: the browser
// keeps a separate cookie for each top-level site. It needs Secure.
func WithCookiePartitioned(on bool) Option {
	return func(m *Manager) { m.cookiePartitioned = on }
}

// WithHostCookie names the cookie HostCookieName and makes it Secure, with
// Path "/" and no Domain, as the __Host- prefix requires (NIST SP 800-63B
// recommends it). A later WithCookieDomain, WithCookiePath or
// WithCookieSecure(false) makes NewManager fail.
func WithHostCookie() Option {
	return func(m *Manager) {
		m.cookieName, m.cookieSecure, m.cookiePath, m.cookieDomain = HostCookieName, true, "/", ""
	}
}

// WithCookieHTTPOnly sets the cookie's HttpOnly attribute (default true),
// which keeps the token out of reach of page scripts.
func WithCookieHTTPOnly(httpOnly bool) Option {
	return func(m *Manager) { m.cookieHTTPOnly = httpOnly }
}

// WithCookieSameSite sets the cookie's SameSite attribute (default Lax).
func WithCookieSameSite(s http.SameSite) Option { return func(m *Manager) { m.cookieSameSite = s } }

// WithSaveEveryRequest makes every request that carries a live session save
// it, sliding its expiry forward, even when nothing changed (default off:
// save only when modified). It costs a load and a write per request.
func WithSaveEveryRequest(on bool) Option { return func(m *Manager) { m.saveEveryRequest = on } }

// WithExpireAtBrowserClose makes session cookies last only until the browser
// closes, unless Session.SetExpiry says otherwise (default off).
func WithExpireAtBrowserClose(on bool) Option {
	return func(m *Manager) { m.expireAtBrowserClose = on }
}

// NoMaxSize, given to WithMaxSize, lifts the bound on a session's size.
const NoMaxSize = math.MaxInt

// WithMaxSize bounds the size of a session's data, counted as the bytes of
// its keys and JSON values (default DefaultMaxSize; NoMaxSize for no
// bound). A save that would grow a session past it fails with an error
// wrapping ErrTooLarge, and nothing of it is written. A size of zero or
// less means the default.
func WithMaxSize(bytes int) Option {
	return func(m *Manager) {
		switch {
		case bytes == NoMaxSize:
			m.maxSize = 0 // no bound: the store's writes stay unconditional
		case bytes <= 0:
			m.maxSize = DefaultMaxSize
		default:
			m.maxSize = bytes
		}
	}
}

// WithSaveTimeout bounds each store write the middleware makes as the
// response starts: the save, and the delete of a flushed or emptied
// session (default DefaultSaveTimeout). The writes run on a context of
// their own, not cancelled with the request's, so a client that
// disconnects, or a proxy that gives up, does not undo a sign-out. A
// timeout of zero or less means the default.
func WithSaveTimeout(d time.Duration) Option {
	return func(m *Manager) {
		if d <= 0 {
			d = DefaultSaveTimeout
		}
		m.saveTimeout = d
	}
}

// WithKeyRing gives the manager the keys that seal and open the values of
// the keys sessions.yaml marks encrypted (see package keyring): the ring's
// first key seals each value written, and every key of the ring is tried
// to open one, so that keys can be rotated. Without a ring (or with a nil
// one), a request that reads or writes an encrypted key fails with an
// error wrapping ErrNoKeyRing, through the error handler: such a value is
// never stored in plaintext.
func WithKeyRing(ring *keyring.Ring) Option { return func(m *Manager) { m.ring = ring } }

// WithErrorHandler sets the handler that writes the response when the
// session cannot be loaded or saved, in place of the handler's own
// response. It receives the request and the error, which wraps ErrNotFound
// when a concurrent request deleted the session, ErrConflict when
// concurrent requests kept changing a key this one updated, ErrInvalidValue when a
// value could not be encoded, ErrTooLarge when the session outgrew
// WithMaxSize, ErrNoKeyRing when an encrypted key was used without
// WithKeyRing, and the store's error otherwise. The default
// is DefaultErrorHandler.
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return func(m *Manager) { m.errorHandler = h }
}

// WithLogger sets the logger for session errors and for stored values that
// no longer decode (default slog.Default()). Tokens and values are never
// logged, only key names and errors.
func WithLogger(l *slog.Logger) Option { return func(m *Manager) { m.logger = l } }

// DefaultErrorHandler answers 409 Conflict when a concurrent request deleted
// the session (a sign-out, say) before this one could save its change, or
// kept changing a key this one updated (ErrConflict), 500 Internal Server
// Error when a value could not be encoded, the
// session grew too large or an encrypted key was used without a key ring,
// and 503 Service Unavailable when the store failed.
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	code := http.StatusServiceUnavailable
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict):
		code = http.StatusConflict
	case errors.Is(err, ErrInvalidValue), errors.Is(err, ErrTooLarge), errors.Is(err, ErrNoKeyRing):
		code = http.StatusInternalServerError
	}
	http.Error(w, http.StatusText(code), code)
}

// Middleware gives each request a lazily loaded Session, reached with
// FromRequest (or the generated From), and saves it before the response
// headers go out. When the handler panics, a sign-out it made (Flush) is
// still written, as for any 5xx response, and the panic goes on to the
// recovering middleware outside, if any.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := newSession(m, r)
		r = r.WithContext(contextWithSession(r.Context(), s))
		rw := &responseWriter{ResponseWriter: w, req: r, sess: s}
		defer func() {
			if p := recover(); p != nil {
				rw.panicked()
				panic(p)
			}
		}()
		next.ServeHTTP(rw, r)
		rw.finish()
	})
}

// requestToken returns the first session cookie of a token's shape, with
// its hash; others are treated as absent, without any store call. A header
// client's request (see WithTokenHeader) is read from the header alone.
func (m *Manager) requestToken(r *http.Request) (string, TokenHash, bool) {
	if m.headerClient(r) {
		return m.headerToken(r)
	}
	for _, c := range r.CookiesNamed(m.cookieName) {
		if h, ok := HashToken(c.Value); ok {
			return c.Value, h, true
		}
	}
	return "", TokenHash{}, false
}

// cookie returns the session cookie carrying token for a session that ends
// after age, or when the browser closes.
func (m *Manager) cookie(token string, age time.Duration, atBrowserClose bool) *http.Cookie {
	c := m.baseCookie(token)
	if atBrowserClose {
		return c
	}
	if age <= 0 {
		return m.expiredCookie()
	}
	c.MaxAge = int(age / time.Second)
	c.Expires = m.now().Add(age).UTC()
	return c
}

// expiredCookie returns a cookie that makes the browser drop its session
// cookie; it carries the same Domain and Path, or the browser would not.
func (m *Manager) expiredCookie() *http.Cookie {
	c := m.baseCookie("")
	c.MaxAge = -1
	c.Expires = time.Unix(0, 0).UTC()
	return c
}

func (m *Manager) baseCookie(value string) *http.Cookie {
	return &http.Cookie{
		Name:        m.cookieName,
		Value:       value,
		Path:        m.cookiePath,
		Domain:      m.cookieDomain,
		Secure:      m.cookieSecure,
		HttpOnly:    m.cookieHTTPOnly,
		SameSite:    m.cookieSameSite,
		Partitioned: m.cookiePartitioned,
	}
}
