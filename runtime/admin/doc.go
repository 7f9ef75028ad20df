// Package admin is a web page for looking after stored sessions, as an
// http.Handler to mount under any path of an application: a paged list of
// sessions, newest first, with their total; search by session token (it is
// hashed at once: the store never needs tokens) and by user id; a detail
// view with every key decoded and labelled with its Go type and doc from
// the generated key description; and buttons to delete one session, delete
// all expired sessions, and sign a user out everywhere.
//
// Mount it behind the session middleware, so that Authorize can look at
// the signed-in user, with http.StripPrefix:
//
//	adm, err := admin.New(admin.Config{
//		Store: store, // a *pgstore.Store or *memstore.Store
//		Keys:  session.Keys(),
//		Authorize: func(r *http.Request) bool {
//			user, ok := session.From(r).BoundUser()
//			return ok && isStaff(user)
//		},
//	})
//	if err != nil { ... }
//	mux.Handle("/admin/", http.StripPrefix("/admin", adm))
//
// The page's links and forms are relative, so any prefix works, and so
// does the root of a server of its own.
//
// # Safety
//
// It cannot be mounted open by accident: New fails without an Authorize
// function, and every request, a stylesheet included, is refused unless
// Authorize allows it. Every change is a POST that must pass two checks
// against cross-site request forgery: http.CrossOriginProtection (the
// browser's Sec-Fetch-Site and Origin headers), and a token that the page
// puts both in an HttpOnly, SameSite=Strict cookie scoped to the admin's
// path and in each form, compared in constant time. Pages are rendered
// with html/template, so hostile key names, values, user ids and user
// agents are shown as text; they are served with a Content-Security-Policy
// that allows no script and no framing, and with Cache-Control: no-store.
// Keys marked sensitive in sessions.yaml are never shown. Searching by
// token is a POST, so tokens stay out of URLs, logs and browser history;
// pages name sessions by the SHA-256 of their token, which lets no one in.
//
// The page works without JavaScript and fits a phone's screen.
//
// "Delete all expired sessions" works for at most 20 seconds per press, in
// batches of 1000, and says so when expired sessions remain; for a large
// backlog use `sessiongen clearsessions` or package runtime/janitor.
// The list pages through all sessions, expired ones included, with LIMIT
// and OFFSET; each page costs a count and a top-N sort of the table's
// rows.
//
// # Keys
//
// The detail view shows each stored key with the Go type and doc that
// Config.Keys gives it. Keys the schema does not declare (left by an older
// version of the application) are shown raw and marked so; keys starting
// with an underscore belong to the runtime (_expiry holds a custom expiry,
// _testcookie the test cookie) and are marked as such.
package admin
