package runtime

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// NextParam is the query parameter that RequireRecentSignIn gives the
// sign-in page: the same-origin path to come back to once the user has
// signed in. The sign-in page reads it through SafeNext.
const NextParam = "next"

// LastSignIn returns when SignIn last bound the session to a user, by the
// manager's clock, and whether it did: a session never signed in, flushed
// since, or signed in before sessiongen recorded the time, reports false.
// (It is not named SignedInAt, which a schema key signed_in_at generates.)
func (s *Session) LastSignIn() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if s.userID == "" {
		return time.Time{}, false
	}
	return timeIn(s.data, signedInKey)
}

// SignedInWithin reports whether the session is bound to a user who
// signed in less than maxAge ago: what a sensitive action (changing a
// password, deleting an account) asks before it goes ahead.
func (s *Session) SignedInWithin(maxAge time.Duration) bool {
	at, ok := s.LastSignIn()
	return ok && s.mgr.now().Sub(at) < maxAge
}

// RequireRecentSignIn returns middleware that lets a request through only
// when its session's user signed in less than maxAge ago (SignedInWithin).
// Any other request is redirected (303 See Other) to signInURL, with the
// request's own path and query in NextParam, so that the sign-in page can
// send the user back once signed in again (see SafeNext). It must run
// inside Middleware.
func (m *Manager) RequireRecentSignIn(maxAge time.Duration, signInURL string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if CheckRecentSignIn(w, r, maxAge, signInURL) {
				next.ServeHTTP(w, r)
			}
		})
	}
}

// CheckRecentSignIn is RequireRecentSignIn for use inside a handler: it
// reports whether r's session's user signed in less than maxAge ago, and
// when not, redirects w to signInURL as RequireRecentSignIn does; the
// handler then returns without writing. It panics if r did not pass
// through Manager.Middleware, as FromRequest does.
func CheckRecentSignIn(w http.ResponseWriter, r *http.Request, maxAge time.Duration, signInURL string) bool {
	if FromRequest(r).SignedInWithin(maxAge) {
		return true
	}
	http.Redirect(w, r, SignInURL(signInURL, r.URL.RequestURI()), http.StatusSeeOther)
	return false
}

// SignInURL returns signInURL with next in its NextParam, replacing any
// there, when next is a safe same-origin path (SafeNext), or signInURL
// unchanged otherwise.
func SignInURL(signInURL, next string) string {
	if SafeNext(next, "") == "" {
		return signInURL
	}
	u, err := url.Parse(signInURL)
	if err != nil {
		return signInURL
	}
	q := u.Query()
	q.Set(NextParam, next)
	u.RawQuery = q.Encode()
	return u.String()
}

// SafeNext returns next when it is safe to redirect to after a sign-in: a
// path on this site, such as "/account/delete?confirm=1". Anything else
// returns fallback: an absolute URL ("https://evil.example"), a
// protocol-relative one ("//evil.example"), one that browsers would read
// as either ("/\evil.example", "/\t/evil.example": they turn backslashes
// into slashes and drop tabs and newlines), a relative path, or a
// javascript: or other scheme. So a link that someone else crafted cannot
// send the user from the sign-in page to another site (an open redirect).
func SafeNext(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || len(next) > 2048 {
		return fallback
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return fallback
	}
	return next
}
