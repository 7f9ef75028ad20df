package runtime

import (
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Defaults of the Manager's settings, the same as Django's.
const (
	DefaultCookieName = "sessionid"
	DefaultCookieAge  = 1209600 * time.Second // two weeks
	DefaultCookiePath = "/"
	// DefaultMaxSize bounds a session's stored JSON: 64 KiB.
	DefaultMaxSize = 64 << 10
)

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
	saveEveryRequest     bool
	expireAtBrowserClose bool
	maxSize              int

	errorHandler func(http.ResponseWriter, *http.Request, error)
	logger       *slog.Logger
	now          func() time.Time
}

// Option changes a setting of a Manager.
type Option func(*Manager)

// NewManager returns a Manager that keeps sessions in store, with Django's
// defaults changed by opts: cookie "sessionid", two weeks, path "/", no
// domain, not Secure, HttpOnly, SameSite=Lax, saved only when modified, not
// ending at browser close.
func NewManager(store Store, opts ...Option) *Manager {
	m := &Manager{
		store:          store,
		cookieName:     DefaultCookieName,
		cookieAge:      DefaultCookieAge,
		cookiePath:     DefaultCookiePath,
		cookieHTTPOnly: true,
		cookieSameSite: http.SameSiteLaxMode,
		maxSize:        DefaultMaxSize,
		errorHandler:   DefaultErrorHandler,
		logger:         slog.Default(),
		now:            time.Now,
	}
	for _, o := range opts {
		o(m)
	}
	return m
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

// WithCookieSecure sets the cookie's Secure attribute (default false, as in
// Django). Turn it on in production, where the site is served over HTTPS.
func WithCookieSecure(secure bool) Option { return func(m *Manager) { m.cookieSecure = secure } }

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

// WithMaxSize bounds the size of a session's data, counted as the bytes of
// its keys and JSON values (default DefaultMaxSize). A save that would grow
// a session past it fails with an error wrapping ErrTooLarge, and nothing of
// it is written. A size of zero or less means no bound.
func WithMaxSize(bytes int) Option { return func(m *Manager) { m.maxSize = bytes } }

// WithErrorHandler sets the handler that writes the response when the
// session cannot be loaded or saved, in place of the handler's own
// response. It receives the request and the error, which wraps ErrNotFound
// when a concurrent request deleted the session, ErrInvalidValue when a
// value could not be encoded, ErrTooLarge when the session outgrew
// WithMaxSize, and the store's error otherwise. The default
// is DefaultErrorHandler.
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return func(m *Manager) { m.errorHandler = h }
}

// WithLogger sets the logger for session errors and for stored values that
// no longer decode (default slog.Default()). Tokens and values are never
// logged, only key names and errors.
func WithLogger(l *slog.Logger) Option { return func(m *Manager) { m.logger = l } }

// DefaultErrorHandler answers 409 Conflict when a concurrent request deleted
// the session (a sign-out, say) before this one could save its change,
// 500 Internal Server Error when a value could not be encoded or the
// session grew too large, and 503 Service Unavailable when the store
// failed.
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	code := http.StatusServiceUnavailable
	switch {
	case errors.Is(err, ErrNotFound):
		code = http.StatusConflict
	case errors.Is(err, ErrInvalidValue), errors.Is(err, ErrTooLarge):
		code = http.StatusInternalServerError
	}
	http.Error(w, http.StatusText(code), code)
}

// Middleware gives each request a lazily loaded Session, reached with
// FromRequest (or the generated From), and saves it before the response
// headers go out.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := newSession(m, r)
		r = r.WithContext(contextWithSession(r.Context(), s))
		rw := &responseWriter{ResponseWriter: w, req: r, sess: s}
		next.ServeHTTP(rw, r)
		rw.finish()
	})
}

// requestToken returns the first session cookie of a token's shape, with
// its hash; others are treated as absent, without any store call.
func (m *Manager) requestToken(r *http.Request) (string, TokenHash, bool) {
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
		Name:     m.cookieName,
		Value:    value,
		Path:     m.cookiePath,
		Domain:   m.cookieDomain,
		Secure:   m.cookieSecure,
		HttpOnly: m.cookieHTTPOnly,
		SameSite: m.cookieSameSite,
	}
}
