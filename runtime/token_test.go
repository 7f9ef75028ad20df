package runtime

import (
	"crypto/sha256"
	"strings"
	"testing"
)

func TestNewTokenShape(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, h := newToken()
		if len(tok) != 43 {
			t.Fatalf("token %q has length %d, want 43", tok, len(tok))
		}
		got, ok := HashToken(tok)
		if !ok || got != h || got != TokenHash(sha256.Sum256([]byte(tok))) {
			t.Fatalf("HashToken(%q) = %v, %v; want the SHA-256 newToken returned", tok, got, ok)
		}
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
	}
}

func TestHashTokenRejectsWrongShapes(t *testing.T) {
	tok, _ := newToken()
	bad := map[string]string{
		"empty":        "",
		"one short":    tok[:42],
		"one long":     tok + "A",
		"padding":      tok[:42] + "=",
		"std alphabet": tok[:42] + "+",
		"slash":        tok[:42] + "/",
		"space":        tok[:42] + " ",
		"non-ASCII":    tok[:41] + "é",
		"overlong":     strings.Repeat(tok, 100),
	}
	for name, v := range bad {
		if _, ok := HashToken(v); ok {
			t.Errorf("%s: HashToken(%q) accepted it", name, v)
		}
	}
}

func TestHashTokenRejectsNonCanonicalEncoding(t *testing.T) {
	// 32 bytes leave 2 spare bits in the last character; Strict decoding
	// requires them to be zero, so one token has one spelling only.
	tok := strings.Repeat("A", 42) + "B"
	if _, ok := HashToken(tok); ok {
		t.Fatalf("HashToken(%q) accepted a token with spare bits set", tok)
	}
	if _, ok := HashToken(strings.Repeat("A", 42) + "E"); !ok {
		t.Fatal("HashToken rejected a canonical token")
	}
}

func TestTokenHashString(t *testing.T) {
	var h TokenHash
	h[0], h[31] = 0xab, 0x01
	s := h.String()
	if len(s) != 64 || !strings.HasPrefix(s, "ab") || !strings.HasSuffix(s, "01") {
		t.Fatalf("String() = %q, want 64 hex digits", s)
	}
}

func FuzzHashToken(f *testing.F) {
	tok, _ := newToken()
	for _, s := range []string{"", tok, tok[:42] + "!", strings.Repeat("A", 43), "sessionid=x; y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, ok := HashToken(s)
		if !ok {
			return
		}
		if len(s) != 43 || strings.ContainsAny(s, "+/=") {
			t.Fatalf("HashToken accepted %q", s)
		}
		if h != TokenHash(sha256.Sum256([]byte(s))) {
			t.Fatalf("HashToken(%q) is not its SHA-256", s)
		}
	})
}
