package admin_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/admin"
	"github.com/sessiongen/sessiongen/runtime/keyring"
)

// policyKeys is a schema whose keys have sessions.yaml's per-key policies,
// as the generated Keys function describes them.
var policyKeys = []runtime.KeyInfo{
	{Name: "otp", GoType: "string", Doc: "One-time code.", TTL: 10 * time.Minute, Encrypted: true},
	{Name: "guest_cart", GoType: "[]int64", Doc: "Anonymous cart.", DropOnSignIn: true},
	{Name: "theme", GoType: "string", Doc: "Colour theme."},
}

// TestDetailShowsKeyPolicies checks that the detail page labels each
// key's ttl, encryption and drop at sign-in, and that an encrypted value,
// which the store holds sealed, is shown neither sealed nor open.
func TestDetailShowsKeyPolicies(t *testing.T) {
	ring, err := keyring.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := json.Marshal(ring.Seal("otp", []byte(`"493021"`)))
	if err != nil {
		t.Fatal(err)
	}
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		_, h := put(t, s, seed{data: map[string]string{
			"otp":        string(sealed),
			"_ttl.otp":   `"2030-01-02T03:04:05Z"`,
			"guest_cart": `[7, 9]`,
			"theme":      `"dark"`,
		}})
		site := newSite(t, s, admin.Config{Keys: policyKeys})
		body := site.get("/admin/session?id="+h.String(), http.StatusOK).body
		webclient.MustContain(t, "detail", body,
			`<span class="badge">ttl 10m0s</span>`, `<span class="badge">encrypted</span>`,
			"Redacted: encrypted in sessions.yaml, stored sealed under the key ring.",
			`<span class="badge">dropped at sign-in</span>`,
			`<code class="name">_ttl.otp</code>`, "its ttl",
			"&#34;dark&#34;",
		)
		webclient.MustNotContain(t, "detail", body, "493021", longestRun(string(sealed)))
	})
}

// longestRun returns the longest run of letters and digits in s: a part
// of a sealed value that the page's HTML escaping leaves as it is.
func longestRun(s string) string {
	best, start := "", -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start > len(best) {
			best = s[start:i]
		}
		start = -1
	}
	return best
}
