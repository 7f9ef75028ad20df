package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/keyring"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// keyText returns a key of 32 bytes b, in base64, as a ring's text holds
// it.
func keyText(b byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, keyring.KeySize))
}

// sealed returns the stored form of the JSON value v of key, sealed under
// the ring of text.
func sealed(t *testing.T, ringText, key, v string) json.RawMessage {
	t.Helper()
	ring, err := keyring.Parse(ringText)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(ring.Seal(key, []byte(v)))
	return out
}

// TestReencryptCommand stores sessions whose encrypted key holds values
// sealed under an old key, in plaintext, and under a key the ring lacks,
// and runs sessiongen reencrypt with the rotated ring: each value it can
// open is sealed under the new key, in pages of -batch sessions, and the
// others are counted and left.
func TestReencryptCommand(t *testing.T) {
	oldKey, newKey := keyText(1), keyText(2)
	schema := writeSchema(t, "app", "keys:\n  api_token:\n    type: string\n    encrypted: true\n  theme:\n    type: string\n")
	url, pool := migratedDB(t)
	store := pgstore.New(pool)
	ctx := context.Background()
	values := []json.RawMessage{
		sealed(t, oldKey, "api_token", `"tok-1"`),
		sealed(t, oldKey, "api_token", `"tok-2"`),
		json.RawMessage(`"tok-3"`), // stored before api_token was encrypted
		sealed(t, oldKey, "api_token", `"tok-4"`),
		sealed(t, keyText(9), "api_token", `"tok-5"`),
	}
	var hashes []runtime.TokenHash
	for _, v := range values {
		var h runtime.TokenHash
		rand.Read(h[:])
		rec := runtime.Record{Data: map[string]json.RawMessage{"api_token": v, "theme": []byte(`"dark"`)}, ExpiresAt: time.Now().Add(time.Hour)}
		if err := store.Create(ctx, h, rec); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}

	t.Setenv("SESSION_KEYS", newKey+","+oldKey)
	code, stdout, stderr := runCmd(t, "reencrypt", "-db", url, "-f", schema, "-batch", "2")
	want := "4 values sealed anew under the first key of the ring, in 4 sessions\n" +
		"1 value no key of the ring opens, left as stored (read as unset)\n"
	if code != exitOK || stdout != want || stderr != "" {
		t.Fatalf("reencrypt: exit %d, stdout %q, stderr %q; want 0 and %q", code, stdout, stderr, want)
	}
	newRing, _ := keyring.Parse(newKey)
	for i, h := range hashes[:4] {
		rec, err := store.FindSession(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		var text string
		json.Unmarshal(rec.Data["api_token"], &text)
		if p, at, err := newRing.Open("api_token", text); err != nil || at != 0 || !strings.HasPrefix(string(p), `"tok-`) {
			t.Errorf("session %d: api_token %s does not open under the new key alone: %v", i, rec.Data["api_token"], err)
		}
		if string(rec.Data["theme"]) != `"dark"` {
			t.Errorf("session %d: theme changed to %s", i, rec.Data["theme"])
		}
	}

	code, stdout, _ = runCmd(t, "reencrypt", "-db", url, "-f", schema)
	if want := "0 values sealed anew under the first key of the ring, in 0 sessions\n" +
		"1 value no key of the ring opens, left as stored (read as unset)\n"; code != exitOK || stdout != want {
		t.Errorf("a second run: exit %d, stdout %q, want %q", code, stdout, want)
	}
}

// TestReencryptCommandRefuses checks the usage errors of reencrypt, none
// of which shows a key.
func TestReencryptCommandRefuses(t *testing.T) {
	encrypted := writeSchema(t, "encrypted", "keys:\n  api_token:\n    type: string\n    encrypted: true\n")
	plain := writeSchema(t, "plain", "keys:\n  theme:\n    type: string\n")
	secret := base64.StdEncoding.EncodeToString([]byte("short-and-secret"))
	for _, c := range []struct {
		name, env string
		args      []string
		code      int
		stderr    string
	}{
		{"no ring", "", []string{"-f", encrypted}, exitUsage,
			"sessiongen reencrypt: no key ring: $SESSION_KEYS is empty; set it to the application's keys, newest first, or name the variable with -keyring-env"},
		{"bad ring", secret, []string{"-f", encrypted}, exitFail,
			"sessiongen reencrypt: $SESSION_KEYS: keyring: key 1 of 1 is 16 bytes, want 32"},
		{"another variable", keyText(1), []string{"-f", encrypted, "-keyring-env", "OTHER_KEYS"}, exitUsage,
			"sessiongen reencrypt: no key ring: $OTHER_KEYS is empty"},
		{"no encrypted key", keyText(1), []string{"-f", plain}, exitFail,
			"sessiongen reencrypt: " + plain + " marks no key encrypted: nothing to reseal"},
		{"no database", keyText(1), []string{"-f", encrypted}, exitUsage,
			"sessiongen reencrypt: no database: pass -db URL or set DATABASE_URL"},
		{"bad batch", keyText(1), []string{"-f", encrypted, "-batch", "0"}, exitUsage,
			"sessiongen reencrypt: -batch must be positive, not 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SESSION_KEYS", c.env)
			t.Setenv("DATABASE_URL", "")
			code, stdout, stderr := runCmd(t, append([]string{"reencrypt"}, c.args...)...)
			if code != c.code || stdout != "" || !strings.Contains(stderr, c.stderr) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit %d and\n%s", code, stdout, stderr, c.code, c.stderr)
			}
			if strings.Contains(stderr, secret) || strings.Contains(stderr, keyText(1)) {
				t.Errorf("stderr shows a key:\n%s", stderr)
			}
		})
	}
}
