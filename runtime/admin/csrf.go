package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// csrfCookie names the cookie that holds the anti-forgery token, and
// csrfField the form field that repeats it.
const (
	csrfCookie = "sessiongen_admin_csrf"
	csrfField  = "csrf"
)

// csrfLen is the length of a token: 32 random bytes, unpadded base64url.
var csrfLen = base64.RawURLEncoding.EncodedLen(32)

// csrfToken returns the anti-forgery token for the page r asks for: the
// one its cookie holds, or a new one, set in a cookie on w. The cookie is
// HttpOnly, SameSite=Strict, limited to the admin's path, and Secure when
// the request came over TLS.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && wellFormed(c.Value) {
		return c.Value
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	http.SetCookie(w, &http.Cookie{
		Name:     csrfCookie,
		Value:    token,
		Path:     mountPath(r),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	return token
}

// wellFormed reports whether s has a token's shape.
func wellFormed(s string) bool {
	if len(s) != csrfLen {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// validToken reports whether the POSTed form r carries the token its
// cookie holds. The comparison takes the same time whatever the values.
func validToken(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || !wellFormed(c.Value) {
		return false
	}
	sent := r.PostForm.Get(csrfField)
	return subtle.ConstantTimeCompare([]byte(sent), []byte(c.Value)) == 1
}

// mountPath returns the path under which the admin page is mounted, ending
// in "/": the request's original path without the part left after
// http.StripPrefix. It is "/" when that cannot be told.
func mountPath(r *http.Request) string {
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return "/"
	}
	orig, rest := u.EscapedPath(), r.URL.EscapedPath()
	if orig == "" || !strings.HasSuffix(orig, rest) {
		return "/"
	}
	p := strings.TrimSuffix(orig, rest)
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}
