package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/runtime"
)

// TestDumpHoldsNoToken checks that a copy of the table does not let anyone
// in: it holds each token's hash, never the token.
func TestDumpHoldsNoToken(t *testing.T) {
	t.Parallel()
	s, pool := pgstoretest.New(t)
	ctx := context.Background()

	tokens := make([]string, 20)
	hashes := make([]runtime.TokenHash, len(tokens))
	for i := range tokens {
		var raw [32]byte
		_, _ = rand.Read(raw[:])
		tokens[i] = base64.RawURLEncoding.EncodeToString(raw[:])
		h, ok := runtime.HashToken(tokens[i])
		if !ok {
			t.Fatalf("HashToken(%q) refused a token", tokens[i])
		}
		hashes[i] = h
	}
	for i, h := range hashes {
		old := h
		if i%2 == 1 { // half of them cycled, as at sign-in
			if err := s.Create(ctx, runtime.TokenHash{byte(i)}, runtime.Record{Data: nil, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			old = runtime.TokenHash{byte(i)}
			if err := s.Cycle(ctx, old, h, runtime.Change{Set: map[string]json.RawMessage{"user_id": json.RawMessage(`42`)}, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := s.Create(ctx, h, runtime.Record{Data: map[string]json.RawMessage{"user_id": json.RawMessage(`42`)}, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}

	rows, _ := pool.Query(ctx, "SELECT row_to_json(s)::text FROM sessiongen_sessions s")
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != len(tokens) {
		t.Fatalf("dump has %d rows, want %d", len(lines), len(tokens))
	}
	dump := strings.Join(lines, "\n")
	for i, tok := range tokens {
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		for _, form := range []string{tok, hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw)} {
			if strings.Contains(dump, form) {
				t.Errorf("the dump holds token %d as %q", i, form)
			}
		}
		if want := `"token_hash":"\\x` + hashes[i].String() + `"`; !strings.Contains(dump, want) {
			t.Errorf("the dump lacks hash %d, %s", i, want)
		}
	}
}
