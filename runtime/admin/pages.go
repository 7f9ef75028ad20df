package admin

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"signOutForm": func(csrf, user string) signOutForm {
		return signOutForm{CSRF: csrf, User: user}
	},
}

// signOutForm is what the "signout-user" form (forms.html) shows: the user
// it signs out everywhere, and the page's anti-forgery token.
type signOutForm struct{ CSRF, User string }

// base is what every page's layout shows.
type base struct {
	Title  string
	CSRF   string
	Notice string
	Error  string
}

// row is a session in a list.
type row struct {
	Hash      string // hexadecimal
	Short     string // its first characters
	UserID    string
	UserAgent string
	Created   time.Time
	Updated   time.Time
	Expires   time.Time
	Expired   bool
}

// listPage is the list of sessions.
type listPage struct {
	base
	Rows        []row
	Total       int64
	Page, Pages int
	First, Last int64 // 1-based positions of the rows shown
	User        string
	PrevURL     string
	NextURL     string
}

// detailPage is one session.
type detailPage struct {
	base
	row
	Lifetime runtime.Lifetime // sign-in and deadlines, from the data
	Keys     []keyView
	Unset    []runtime.KeyInfo // declared keys the session does not hold
}

// keyView is one stored key, ready to show.
type keyView struct {
	Name     string
	Kind     string // "schema", "unknown" or "runtime"
	GoType   string
	Doc      string
	Flash    bool
	TTL      string // the key's ttl (time.Duration's form), or ""
	Sealed   bool   // stored encrypted: what the page could show is ciphertext
	Dropped  bool   // removed by SignIn and CycleKey (on_sign_in: drop)
	Redacted bool
	Value    string // indented JSON, or "" when redacted
	Note     string // what a runtime key is for
}

func newRow(info runtime.SessionInfo, now time.Time) row {
	hash := info.Hash.String()
	return row{
		Hash: hash, Short: hash[:12], UserID: info.UserID, UserAgent: info.UserAgent,
		Created: info.CreatedAt, Updated: info.UpdatedAt, Expires: info.ExpiresAt,
		Expired: !info.ExpiresAt.After(now),
	}
}

// list shows a page of sessions, all or one user's.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	p := listPage{base: base{Title: "Sessions"}, User: strings.TrimSpace(r.URL.Query().Get("user"))}
	p.Notice = notice(r.URL.Query())
	h.renderList(w, r, http.StatusOK, p)
}

// renderList fills p with the page of sessions r asks for and renders it.
func (h *Handler) renderList(w http.ResponseWriter, r *http.Request, status int, p listPage) {
	p.Page = 1
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 1 {
		p.Page = min(n, math.MaxInt32/h.pageSize) // no overflow in the offset
	}
	if p.User != "" {
		p.Title = "Sessions of " + p.User
	}
	infos, total, err := h.store.ListSessions(r.Context(), p.User, (p.Page-1)*h.pageSize, h.pageSize)
	if err != nil {
		h.storeFailed(w, r, "list sessions", err)
		return
	}
	now := time.Now()
	for _, info := range infos {
		p.Rows = append(p.Rows, newRow(info, now))
	}
	p.Total = total
	p.Pages = max(1, int((total+int64(h.pageSize)-1)/int64(h.pageSize)))
	if len(p.Rows) > 0 {
		p.First = int64((p.Page-1)*h.pageSize) + 1
		p.Last = p.First + int64(len(p.Rows)) - 1
	}
	if p.Page > 1 {
		p.PrevURL = listURL(p.User, min(p.Page-1, p.Pages))
	}
	if p.Page < p.Pages {
		p.NextURL = listURL(p.User, p.Page+1)
	}
	h.render(w, r, "list", status, &p)
}

// listURL returns the relative URL of a list page.
func listURL(user string, page int) string {
	q := url.Values{}
	if user != "" {
		q.Set("user", user)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "./"
	}
	return "./?" + q.Encode()
}

// notice returns the message the redirect after a change asks for: one of
// a fixed set, with a count, so a link cannot make the page say anything
// else: no text of the query string goes into it.
func notice(q url.Values) string {
	n, _ := strconv.ParseInt(q.Get("n"), 10, 64)
	switch q.Get("done") {
	case "deleted":
		return "Session deleted."
	case "expired":
		return plural(n, "expired session") + " deleted."
	case "expired-partial":
		return plural(n, "expired session") + " deleted; more remain. Press the button again, or run sessiongen clearsessions."
	case "signedout":
		return plural(n, "session") + " deleted: the user is signed out everywhere."
	}
	return ""
}

// plural returns "1 session" or "2 sessions".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

// find looks a session up by its token (or its hash) and shows it.
func (h *Handler) find(w http.ResponseWriter, r *http.Request) {
	input := strings.TrimSpace(r.PostForm.Get("token"))
	p := listPage{base: base{Title: "Sessions"}}
	hash, ok := runtime.HashToken(input)
	if !ok {
		hash, ok = parseHash(input)
	}
	if !ok {
		p.Error = "That is neither a session token (the cookie's value, 43 characters) nor a session hash (64 hexadecimal digits)."
		h.renderList(w, r, http.StatusBadRequest, p)
		return
	}
	if _, err := h.store.FindSession(r.Context(), hash); errors.Is(err, runtime.ErrNotFound) {
		p.Error = "No session is stored under that token."
		h.renderList(w, r, http.StatusNotFound, p)
		return
	} else if err != nil {
		h.storeFailed(w, r, "find session", err)
		return
	}
	redirect(w, "session?id="+hash.String())
}

// parseHash reads a session hash in hexadecimal.
func parseHash(s string) (runtime.TokenHash, bool) {
	var h runtime.TokenHash
	if len(s) != hex.EncodedLen(len(h)) {
		return h, false
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, false
	}
	return h, true
}

// detail shows one session with its data.
func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	hash, ok := parseHash(r.URL.Query().Get("id"))
	if !ok {
		h.message(w, r, http.StatusBadRequest, "Bad request", "That is not a session hash.")
		return
	}
	rec, err := h.store.FindSession(r.Context(), hash)
	if errors.Is(err, runtime.ErrNotFound) {
		h.message(w, r, http.StatusNotFound, "No such session", "No session is stored under that hash: it may have been deleted.")
		return
	}
	if err != nil {
		h.storeFailed(w, r, "find session", err)
		return
	}
	p := detailPage{base: base{Title: "Session " + hash.String()[:12]}}
	p.row = newRow(runtime.SessionInfo{
		Hash: hash, UserID: rec.UserID, UserAgent: rec.UserAgent,
		CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt, ExpiresAt: rec.ExpiresAt,
	}, time.Now())
	p.Lifetime = runtime.LifetimeOf(rec.Data)
	p.Keys, p.Unset = h.describe(rec)
	h.render(w, r, "detail", http.StatusOK, &p)
}

// deleteSession deletes one session.
func (h *Handler) deleteSession(w http.ResponseWriter, r *http.Request) {
	hash, ok := parseHash(r.PostForm.Get("id"))
	if !ok {
		h.message(w, r, http.StatusBadRequest, "Bad request", "That is not a session hash.")
		return
	}
	if err := h.store.Delete(r.Context(), hash); err != nil {
		h.storeFailed(w, r, "delete session", err)
		return
	}
	redirect(w, "./?done=deleted")
}

// expiredBudget bounds how long "delete all expired" works in one request,
// so a backlog of millions of rows cannot hold the request past the
// server's timeouts; pressing the button again goes on where it stopped.
var expiredBudget = 20 * time.Second

// deleteExpired deletes expired sessions, for at most expiredBudget.
func (h *Handler) deleteExpired(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), expiredBudget)
	defer cancel()
	n, err := h.store.DeleteExpired(ctx, runtime.DefaultBatchSize)
	done := "expired"
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && r.Context().Err() == nil {
		done, err = "expired-partial", nil
	}
	if err != nil {
		h.storeFailed(w, r, "delete expired sessions", err)
		return
	}
	redirect(w, "./?done="+done+"&n="+strconv.FormatInt(n, 10))
}

// signOutUser deletes every session of a user.
func (h *Handler) signOutUser(w http.ResponseWriter, r *http.Request) {
	user := r.PostForm.Get("user")
	if user == "" {
		h.message(w, r, http.StatusBadRequest, "Bad request", "No user given.")
		return
	}
	deleted, err := h.store.DeleteUserSessions(r.Context(), user, runtime.TokenHash{})
	if err != nil {
		h.storeFailed(w, r, "sign out user", err)
		return
	}
	redirect(w, "./?"+url.Values{"user": {user}, "done": {"signedout"}, "n": {strconv.Itoa(len(deleted))}}.Encode())
}

// redirect sends the browser to to, relative to the admin page, after a
// POST. It does not use http.Redirect, which would resolve to against the
// path left after http.StripPrefix.
func redirect(w http.ResponseWriter, to string) {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
}

// storeFailed logs a store error and says so.
func (h *Handler) storeFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.log.ErrorContext(r.Context(), "session admin: "+what, "error", err)
	h.message(w, r, http.StatusInternalServerError, "Store error", "The session store failed; the server's log says why.")
}

// message renders a page that only says something.
func (h *Handler) message(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	p := base{Title: title, Error: text}
	h.render(w, r, "message", status, &p)
}

// page is what render accepts: a page that embeds base.
type page interface{ setCSRF(string) }

func (b *base) setCSRF(token string) { b.CSRF = token }

// render writes page name with p.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, name string, status int, p page) {
	p.setCSRF(csrfToken(w, r))
	var buf strings.Builder
	if err := h.pages[name].Execute(&buf, p); err != nil {
		h.log.ErrorContext(r.Context(), "session admin: render page", "page", name, "error", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprint(w, buf.String())
}
