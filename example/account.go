package main

import (
	"net/http"
	"time"

	"github.com/sessiongen/sessiongen/example/session"
	"github.com/sessiongen/sessiongen/runtime"
)

// recentSignIn is how recently a user must have signed in to delete their
// account: a session left open on a shared computer, or a stolen cookie,
// cannot do it without the password.
const recentSignIn = 5 * time.Minute

// accountRoutes adds the pages that need a recent sign-in: any other
// request for them goes to the sign-in page, and comes back here after it.
func (s *shop) accountRoutes(mux *http.ServeMux, mgr *runtime.Manager) {
	fresh := mgr.RequireRecentSignIn(recentSignIn, "/signin")
	mux.Handle("GET /account/delete", fresh(http.HandlerFunc(s.deleteAccountForm)))
	mux.Handle("POST /account/delete", fresh(http.HandlerFunc(s.deleteAccount)))
}

// deleteAccountForm asks the user, freshly signed in, to confirm.
func (s *shop) deleteAccountForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, "account", http.StatusOK, newPage(session.From(r)))
}

// deleteAccount would delete the account; the demo keeps its two accounts,
// and signs the user out on every device, as a deletion does.
func (s *shop) deleteAccount(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	user, _ := sess.BoundUser() // RequireRecentSignIn let only a signed-in user through
	if _, err := s.devices.DeleteUserSessions(r.Context(), user, runtime.TokenHash{}); err != nil {
		s.unavailable(w, "delete account", err, "Your account cannot be deleted right now.")
		return
	}
	sess.Flush()
	back(w, r, sess, "Your account is deleted (the demo keeps it: sign in again as before).", "/")
}
