package runtime_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// TestLogsHoldNoTokenOrValue captures the manager's slog output over a run
// that sets and reads values, fails to decode stored ones, hits a store
// error, the size limit, an unencodable value and a late change, with
// distinctive tokens and values: the log must explain each failure (key
// names, errors, method and path) and hold no token and no value.
func TestLogsHoldNoTokenOrValue(t *testing.T) {
	t.Parallel()
	const (
		secret = "S3cr3t-V4lue-of-the-user" // a string value
		pin    = "987654321"                // a number value
	)
	e := newEnv(t, "pgstore", hostileRoutes(), runtime.WithMaxSize(1000))
	ctx := context.Background()
	steps := []struct {
		path   string
		status int
	}{
		{"/set?k=api_token&v=" + secret, http.StatusOK},
		{"/get?k=api_token", http.StatusOK},
		{"/plant?k=pin&json=" + pin, http.StatusOK},
		{"/typed?k=api_token&t=time.Time", http.StatusOK}, // a string that is no time
		{"/typed?k=api_token&t=int64", http.StatusOK},
		{"/typed?k=pin&t=uint8", http.StatusOK}, // a number out of range
		{"/typed?k=pin&t=string", http.StatusOK},
		{"/typed?k=api_token&t=struct", http.StatusOK},
		{"/set?k=big&v=" + strings.Repeat(secret, 50), http.StatusInternalServerError},
		{"/set-bad?kind=nan", http.StatusInternalServerError},
		{"/set-bad?kind=marshaler", http.StatusInternalServerError},
		{"/set-late?k=late&v=" + secret, http.StatusOK},
	}
	for _, s := range steps {
		if resp, _ := e.get(s.path); resp.StatusCode != s.status {
			t.Fatalf("%s: status %d, want %d", s.path, resp.StatusCode, s.status)
		}
	}
	token := e.token()
	if token == "" {
		t.Fatal("no session token")
	}

	// A store error: the table is gone for a moment.
	if _, err := e.pool.Exec(ctx, "ALTER TABLE sessiongen_sessions RENAME TO sessiongen_sessions_away"); err != nil {
		t.Fatal(err)
	}
	resp, _ := e.get("/get?k=api_token")
	if _, err := e.pool.Exec(ctx, "ALTER TABLE sessiongen_sessions_away RENAME TO sessiongen_sessions"); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("store error: status %d, want 503", resp.StatusCode)
	}

	// A late change to a new session, under a distinctive forged token.
	forged := "F0rgedT0ken" + strings.Repeat("x", 32)
	e.setToken(forged)
	e.get("/set-late?k=late&v=" + secret)
	e.setToken(token)

	logs := e.logs.String()
	defer func() {
		if t.Failed() {
			t.Logf("the log:\n%s", logs)
		}
	}()
	for _, want := range []string{
		"key=api_token", "key=pin", // decode failures name the key
		"does not decode",
		"over the limit of 1000", "session too large",
		"cannot be stored as JSON",
		"sessiongen_sessions", // the store's error
		"after the response was written",
		"method=GET", "path=/get", "path=/set",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log does not say %q", want)
		}
	}
	for what, s := range map[string]string{
		"the session token":      token,
		"a forged token":         forged,
		"a string value":         secret,
		"a number value":         pin,
		"part of a string value": secret[:10],
		"part of the token":      token[:16],
		"a value in a query":     "v=" + secret,
	} {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %s (%q)", what, s)
		}
	}
}
