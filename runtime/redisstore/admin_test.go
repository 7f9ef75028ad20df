package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/admin"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// adminSite is the admin page over a Store, mounted under /admin/, and a
// staff browser for it.
type adminSite struct {
	t      *testing.T
	client *webclient.Client
}

// newAdminSite mounts the admin page over s as an application does.
func newAdminSite(t *testing.T, s *redisstore.Store) *adminSite {
	t.Helper()
	h, err := admin.New(admin.Config{
		Store:     s,
		Authorize: func(r *http.Request) bool { return r.Header.Get("X-Staff") == "yes" },
		Keys:      []runtime.KeyInfo{{Name: "cart", GoType: "[]string", Doc: "Products in the cart."}},
		PageSize:  3,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", http.StripPrefix("/admin", h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := webclient.New(t, srv.URL)
	c.Header.Set("X-Staff", "yes")
	return &adminSite{t: t, client: c}
}

// get fetches path and fails the test unless it answers 200.
func (a *adminSite) get(path string) string {
	a.t.Helper()
	resp, body := a.client.Get(path)
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s: %d:\n%s", path, resp.StatusCode, body)
	}
	return body
}

// post submits form to path with the page's anti-forgery token and
// returns where it redirects, failing the test unless it does.
func (a *adminSite) post(path string, form url.Values) string {
	a.t.Helper()
	if a.client.AdminCSRF("/admin/") == "" {
		a.get("/admin/")
	}
	form.Set("csrf", a.client.AdminCSRF("/admin/"))
	resp, body := a.client.Post(path, form)
	if resp.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("POST %s: %d, want 303:\n%s", path, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// rowIDs returns the short hashes of the sessions a list page shows, in
// order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<tr id="s-([0-9a-f]{12})"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestAdminPage runs the admin page (runtime/admin) over a Store: the
// paged list, newest first, expired sessions included; a user's sessions;
// search by token; the detail view; deleting a session, the expired ones,
// and a user's.
func TestAdminPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, newClient(t))
	type seed struct {
		user    string
		expires time.Duration
	}
	seeds := []seed{{"bob", time.Hour}, {"", time.Hour}, {"bob", -time.Minute}, {"alice", time.Hour}, {"bob", time.Hour}}
	var tokens []string
	var hashes []runtime.TokenHash // oldest first
	for _, sd := range seeds {
		var raw [32]byte
		_, _ = rand.Read(raw[:])
		token := base64.RawURLEncoding.EncodeToString(raw[:])
		h, _ := runtime.HashToken(token)
		rec := runtime.Record{Data: data("cart", `["tea"]`, "legacy", `1`), ExpiresAt: time.Now().Add(sd.expires), UserID: sd.user, UserAgent: "Agent"}
		if err := s.Create(ctx, h, rec); err != nil {
			t.Fatal(err)
		}
		tokens, hashes = append(tokens, token), append(hashes, h)
		time.Sleep(2 * time.Millisecond) // distinct creation times
	}
	short := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, hashes[i].String()[:12])
		}
		return out
	}
	site := newAdminSite(t, s)

	page1 := site.get("/admin/")
	webclient.MustContain(t, "list", page1, `<strong id="total">5</strong> sessions`, "page 1 of 2", `<span class="badge warn">expired</span>`)
	page2 := site.get("/admin/?page=2")
	if got, want := append(rowIDs(page1), rowIDs(page2)...), short(4, 3, 2, 1, 0); !slices.Equal(got, want) {
		t.Errorf("rows over the pages %v, want %v, newest first", got, want)
	}
	bob := site.get("/admin/?user=bob")
	if got, want := rowIDs(bob), short(4, 2, 0); !slices.Equal(got, want) {
		t.Errorf("bob's rows %v, want %v", got, want)
	}

	if to := site.post("/admin/find", url.Values{"token": {tokens[2]}}); to != "session?id="+hashes[2].String() {
		t.Errorf("find by the expired session's token redirects to %q", to)
	}
	detail := site.get("/admin/session?id=" + hashes[3].String())
	webclient.MustContain(t, "detail", detail, "alice", "Products in the cart.", "tea", "legacy")

	if to := site.post("/admin/delete", url.Values{"id": {hashes[1].String()}}); to != "./?done=deleted" {
		t.Errorf("delete redirects to %q", to)
	}
	if _, err := s.FindSession(ctx, hashes[1]); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("the deleted session: %v, want ErrNotFound", err)
	}
	if to := site.post("/admin/delete-expired", url.Values{}); to != "./?done=expired&n=1" {
		t.Errorf("delete expired redirects to %q, want 1 deleted", to)
	}
	if to := site.post("/admin/signout-user", url.Values{"user": {"bob"}}); to != "./?done=signedout&n=2&user=bob" {
		t.Errorf("sign bob out redirects to %q, want his 2 sessions deleted", to)
	}
	webclient.MustContain(t, "after", site.get("/admin/"), `<strong id="total">1</strong> session`, short(3)[0])
}
