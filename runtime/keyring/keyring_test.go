package keyring_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime/keyring"
)

// key returns a key of KeySize bytes, all b.
func key(b byte) []byte { return bytes.Repeat([]byte{b}, keyring.KeySize) }

// ring returns the ring of keys, failing t on an error.
func ring(t *testing.T, keys ...[]byte) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	r := ring(t, key(1))
	for _, plaintext := range []string{"", `"123456"`, `{"a":[1,2,3]}`, strings.Repeat("x", 70000)} {
		sealed := r.Seal("otp", []byte(plaintext))
		if strings.Contains(sealed, plaintext) && plaintext != "" {
			t.Errorf("the sealed text holds the plaintext %q", plaintext)
		}
		got, k, err := r.Open("otp", sealed)
		if err != nil || string(got) != plaintext || k != 0 {
			t.Errorf("Open(Seal(%.20q)) = %.20q, key %d, %v", plaintext, got, k, err)
		}
		if enc := strings.TrimPrefix(sealed, "sealed1:"); strings.Trim(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("the sealed text %.40q has characters other than base64url after its prefix", sealed)
		}
	}
	if a, b := r.Seal("otp", []byte("same")), r.Seal("otp", []byte("same")); a == b {
		t.Error("two seals of one plaintext are equal: the nonce repeats")
	}
}

// TestRotation checks that the first key seals and every key opens, and
// that Open says which key did.
func TestRotation(t *testing.T) {
	t.Parallel()
	old := ring(t, key(1))
	rotated := ring(t, key(2), key(1))
	sealedOld := old.Seal("otp", []byte("v"))
	if p, k, err := rotated.Open("otp", sealedOld); err != nil || string(p) != "v" || k != 1 {
		t.Errorf("a value sealed under the old key: %q, key %d, %v; want it opened by key 1", p, k, err)
	}
	sealedNew := rotated.Seal("otp", []byte("v"))
	if _, k, err := rotated.Open("otp", sealedNew); err != nil || k != 0 {
		t.Errorf("a value sealed by the rotated ring: key %d, %v; want key 0", k, err)
	}
	if _, _, err := old.Open("otp", sealedNew); !errors.Is(err, keyring.ErrNoKey) {
		t.Errorf("the old ring opened a value sealed under the new key: %v", err)
	}
	if rotated.Len() != 2 {
		t.Errorf("Len() = %d, want 2", rotated.Len())
	}
}

// TestOpenRefuses checks what does not open: another key's name, a changed
// text, texts that are not sealed values.
func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	r := ring(t, key(1))
	sealed := r.Seal("api_token", []byte(`"secret"`))
	enc := strings.TrimPrefix(sealed, "sealed1:")
	raw, _ := base64.RawURLEncoding.DecodeString(enc)
	raw[len(raw)-1] ^= 1
	flipped := "sealed1:" + base64.RawURLEncoding.EncodeToString(raw)
	for _, c := range []struct {
		what, name, text string
		want             error
	}{
		{"another key's name", "otp", sealed, keyring.ErrNoKey},
		{"a changed byte", "api_token", flipped, keyring.ErrNoKey},
		{"another ring's key", "api_token", ring(t, key(9)).Seal("api_token", []byte(`"secret"`)), keyring.ErrNoKey},
		{"plaintext JSON", "api_token", `"secret"`, keyring.ErrNotSealed},
		{"no prefix", "api_token", enc, keyring.ErrNotSealed},
		{"damaged base64", "api_token", "sealed1:***", keyring.ErrNotSealed},
		{"too short", "api_token", "sealed1:AAAA", keyring.ErrNotSealed},
		{"empty", "api_token", "", keyring.ErrNotSealed},
	} {
		if p, _, err := r.Open(c.name, c.text); !errors.Is(err, c.want) || p != nil {
			t.Errorf("%s: Open = %q, %v; want %v", c.what, p, err, c.want)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		keys [][]byte
		want string
	}{
		{nil, "keyring: no keys: give at least one key of 32 bytes"},
		{[][]byte{key(1), make([]byte, 16)}, "keyring: key 2 of 2 is 16 bytes, want 32"},
		{[][]byte{key(1), key(2), key(1)}, "keyring: key 3 repeats key 1"},
	} {
		if _, err := keyring.New(c.keys...); err == nil || err.Error() != c.want {
			t.Errorf("New(%d keys) = %v, want %q", len(c.keys), err, c.want)
		}
	}
}

// TestParse checks the text form of a ring, and that an error names a key
// by its place, never by its content.
func TestParse(t *testing.T) {
	t.Parallel()
	k1, k2 := key(0xfb), key(0xfe) // base64 with + and /, or - and _
	std, url := base64.StdEncoding.EncodeToString(k1), base64.RawURLEncoding.EncodeToString(k2)
	r, err := keyring.Parse(" " + std + ",\n" + url + " ")
	if err != nil || r.Len() != 2 {
		t.Fatalf("Parse: %v, %v", r, err)
	}
	if _, k, err := r.Open("x", ring(t, k2).Seal("x", []byte("v"))); err != nil || k != 1 {
		t.Errorf("the second key parsed: key %d, %v", k, err)
	}
	if _, k, err := r.Open("x", ring(t, k1).Seal("x", []byte("v"))); err != nil || k != 0 {
		t.Errorf("the first key parsed: key %d, %v", k, err)
	}
	secret := "c2VjcmV0LWJ1dC10b28tc2hvcnQ="
	for _, c := range []struct{ text, want string }{
		{"", "keyring: no keys: give at least one key of 32 bytes"},
		{std + "," + secret, "keyring: key 2 of 2 is 20 bytes, want 32"},
		{"not*base64," + std, "keyring: key 1 of 2 is not base64"},
	} {
		_, err := keyring.Parse(c.text)
		if err == nil || err.Error() != c.want {
			t.Errorf("Parse(%.20q...) = %v, want %q", c.text, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), std)) {
			t.Errorf("the error shows a key: %v", err)
		}
	}
}
