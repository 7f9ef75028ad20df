package runtime

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// WithTokenHeader makes the middleware carry the session token in the
// request and response header name (such as "Session-Token") for clients
// that keep no cookies: API and mobile clients. An empty name turns it off
// (the default).
//
// A request that carries the header, with any value, even an empty one, is
// a header client's: its token is read from the header alone, and its
// response sends a new token (a new session, CycleKey, SignIn, or a save
// that refreshes the expiry) in the header, and an empty value when the
// session ends (Flush, or the handler emptied it), where a cookie client
// gets Set-Cookie. A header client's request never reads the cookie and its
// response never sets one, so a cookie planted in the client, by a sibling
// subdomain say, cannot choose its session; and a malformed or unknown
// header token is not made up for by the cookie. A request without the
// header is a cookie client's, as without this option, and its responses
// never carry the header: that would hand an HttpOnly cookie's token to
// page scripts. A client that has no token yet sends the header empty to
// get its first one in the header.
//
// The header's token passes the same shape checks as the cookie's (see
// HashToken): anything else, or the header given more than once, reads as
// no session, costs no store call, and a write under it starts a fresh
// session; a client's token is never adopted. Responses of requests that
// used the session carry Vary with the header's name, beside Cookie unless
// WithoutCookie, and a response that sends a token is made private, as one
// that sets the cookie is. The header tells the client nothing of when the
// session expires: the client learns it when a request reads no session.
//
// NewManager fails when name is not a header name, or names a header that
// HTTP or the middleware gives a meaning of its own (Authorization, Cookie,
// Vary, hop-by-hop headers, ...).
func WithTokenHeader(name string) Option { return func(m *Manager) { m.tokenHeader = name } }

// WithoutCookie makes the header of WithTokenHeader the only carrier of the
// token: every request is a header client's, whether or not it sends the
// header; the session cookie is never read nor set, so the cookie settings
// do not apply, and Vary names the header alone. NewManager fails without
// WithTokenHeader, as the token would have no carrier.
func WithoutCookie() Option { return func(m *Manager) { m.cookieless = true } }

// errNoTokenCarrier is NewManager's error for WithoutCookie without a token
// header.
var errNoTokenCarrier = errors.New("WithoutCookie needs WithTokenHeader: the session token would have no carrier")

// reservedHeaders are the headers that HTTP, proxies or the middleware
// give a meaning of their own, in canonical form: carrying the token in one
// would break it, or it would be dropped on the way.
var reservedHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Www-Authenticate": true, "Proxy-Authenticate": true,
	"Cookie": true, "Set-Cookie": true, "Vary": true, "Cache-Control": true,
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Host": true, "Content-Length": true, "Content-Type": true,
}

// checkTokenHeader reports a token header setting that cannot work, and
// puts the header's name in canonical form, the form of net/http's maps.
func (m *Manager) checkTokenHeader() error {
	if m.tokenHeader == "" {
		if m.cookieless {
			return errNoTokenCarrier
		}
		return nil
	}
	if !isHeaderName(m.tokenHeader) {
		return fmt.Errorf("token header %q: not a header name: use letters, digits and !#$%%&'*+-.^_`|~ only, as in \"Session-Token\"", m.tokenHeader)
	}
	name := http.CanonicalHeaderKey(m.tokenHeader)
	if reservedHeaders[name] {
		return fmt.Errorf("token header %q: HTTP or the middleware gives %s a meaning of its own; choose a name of yours, such as \"Session-Token\"", m.tokenHeader, name)
	}
	m.tokenHeader = name
	return nil
}

// isHeaderName reports whether s is a field name of RFC 9110: a token.
func isHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// headerClient reports whether r is a header client's request: its token
// is read from, and sent in, the token header.
func (m *Manager) headerClient(r *http.Request) bool {
	if m.tokenHeader == "" {
		return false
	}
	return m.cookieless || r.Header.Values(m.tokenHeader) != nil
}

// headerToken returns the token of r's token header, with its hash, when
// the header is given once and holds a token's shape; anything else reads
// as no token, without any store call. A header given twice is refused
// rather than resolved: unlike cookies, which a browser may hold for
// several paths, a client sends one token, and a second one was added on
// the way.
func (m *Manager) headerToken(r *http.Request) (string, TokenHash, bool) {
	if vs := r.Header.Values(m.tokenHeader); len(vs) == 1 {
		if h, ok := HashToken(vs[0]); ok {
			return vs[0], h, true
		}
	}
	return "", TokenHash{}, false
}

// sendToken puts c, the session cookie a save or an end of the session
// produced, on the response: as Set-Cookie for a cookie client, or as the
// token header for a header client, empty when c expires the session.
func (m *Manager) sendToken(w http.ResponseWriter, c *http.Cookie, viaHeader bool) {
	if !viaHeader {
		http.SetCookie(w, c)
		return
	}
	w.Header().Set(m.tokenHeader, c.Value) // empty in the cookie that expires the session
}

// varyOn returns the request headers that a response using the session
// depends on: the cookie, the token header, or both, since with both the
// header's presence decides which is read.
func (m *Manager) varyOn() []string {
	switch {
	case m.tokenHeader == "":
		return []string{"Cookie"}
	case m.cookieless:
		return []string{m.tokenHeader}
	}
	return []string{"Cookie", m.tokenHeader}
}
