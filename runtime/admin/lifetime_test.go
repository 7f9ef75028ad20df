package admin_test

import (
	"net/http"
	"testing"

	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/admin"
)

// TestDetailShowsDeadlines checks that the detail page shows the idle and
// absolute deadlines and the sign-in that the session's data holds, and
// nothing of them for a session without.
func TestDetailShowsDeadlines(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		_, h := put(t, s, seed{user: "bob", data: map[string]string{
			"user_name":       `"bob"`,
			"_signed_in":      `"2026-12-01T09:00:00Z"`,
			"_idle_until":     `"2026-12-01T09:30:00Z"`,
			"_absolute_until": `"2026-12-01T21:00:00Z"`,
		}})
		_, plain := put(t, s, seed{data: map[string]string{"user_name": `"ann"`}})
		site := newSite(t, s, admin.Config{})
		r := site.get("/admin/session?id="+h.String(), http.StatusOK)
		webclient.MustContain(t, "detail", r.body,
			`<dd id="idle-deadline"><time datetime="2026-12-01T09:30:00Z">2026-12-01 09:30:00 UTC</time>`,
			`<dd id="absolute-deadline"><time datetime="2026-12-01T21:00:00Z">2026-12-01 21:00:00 UTC</time>`,
			`<dd id="signed-in"><time datetime="2026-12-01T09:00:00Z">`,
			`<code class="name">_idle_until</code>`, "when the session ends unless a request uses it")
		r = site.get("/admin/session?id="+plain.String(), http.StatusOK)
		webclient.MustNotContain(t, "detail without deadlines", r.body, `id="idle-deadline"`, `id="absolute-deadline"`, `id="signed-in"`)
	})
}
