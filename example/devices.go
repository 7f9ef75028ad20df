package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/sessiongen/sessiongen/example/session"
	"github.com/sessiongen/sessiongen/runtime"
)

// signedInUser returns the user the request's session is bound to, or
// redirects to the sign-in page and reports false.
func signedInUser(w http.ResponseWriter, r *http.Request, sess *session.Session) (string, bool) {
	user, ok := sess.BoundUser()
	if !ok {
		back(w, r, sess, "Sign in to see your devices.", "/signin")
	}
	return user, ok
}

// devicesPage lists the signed-in user's sessions: one per browser or
// device they signed in from, this one marked.
func (s *shop) devicesPage(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	user, ok := signedInUser(w, r, sess)
	if !ok {
		return
	}
	infos, err := s.devices.UserSessions(r.Context(), user)
	if err != nil {
		s.unavailable(w, "list devices", err, "Your devices cannot be listed right now.")
		return
	}
	current, _ := runtime.FromRequest(r).Hash()
	p := newPage(sess)
	for _, info := range infos {
		p.Devices = append(p.Devices, device{
			UserAgent: info.UserAgent,
			SignedIn:  signedIn(info),
			LastUsed:  info.UpdatedAt,
			Expires:   info.ExpiresAt,
			Current:   info.Hash == current,
		})
	}
	s.render(w, "devices", http.StatusOK, p)
}

// signOutOthers ends every session of the signed-in user but this one.
func (s *shop) signOutOthers(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	user, ok := signedInUser(w, r, sess)
	if !ok {
		return
	}
	current, _ := runtime.FromRequest(r).Hash()
	deleted, err := s.devices.DeleteUserSessions(r.Context(), user, current)
	if err != nil {
		s.unavailable(w, "sign out other devices", err, "Your other devices cannot be signed out right now.")
		return
	}
	back(w, r, sess, signedOut(len(deleted), "other device"), "/devices")
}

// signOutEverywhere ends every session of the signed-in user, this one
// included.
func (s *shop) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	user, ok := signedInUser(w, r, sess)
	if !ok {
		return
	}
	var none runtime.TokenHash // keep no session, not even this one
	deleted, err := s.devices.DeleteUserSessions(r.Context(), user, none)
	if err != nil {
		s.unavailable(w, "sign out everywhere", err, "You cannot be signed out everywhere right now.")
		return
	}
	sess.Flush()
	back(w, r, sess, signedOut(len(deleted), "device"), "/")
}

// unavailable logs the store's err, of the step what, and tells the user
// text: the step cannot be done right now.
func (s *shop) unavailable(w http.ResponseWriter, what string, err error, text string) {
	s.log.Error(what, "error", err)
	http.Error(w, text, http.StatusServiceUnavailable)
}

// signedOut says how many devices were signed out.
func signedOut(n int, noun string) string {
	if n == 1 {
		return "Signed out 1 " + noun + "."
	}
	return "Signed out " + strconv.Itoa(n) + " " + noun + "s."
}

// signedIn returns when the session's user signed in: the session's
// Lifetime records it; a session bound before it did reports its creation.
func signedIn(info runtime.SessionInfo) time.Time {
	if t := info.Lifetime.SignedInAt; !t.IsZero() {
		return t
	}
	return info.CreatedAt
}
