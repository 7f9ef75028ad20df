package filestore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/filestore"
)

// fileOf returns the path of the file that holds the session under h in
// dir: the package documents its layout.
func fileOf(dir string, h runtime.TokenHash) string { return filepath.Join(dir, h.String()) }

// randomHash returns a random token hash.
func randomHash(t testing.TB) runtime.TokenHash {
	t.Helper()
	var h runtime.TokenHash
	if _, err := rand.Read(h[:]); err != nil {
		t.Fatal(err)
	}
	return h
}

// withHeader returns body behind a header that announces it rightly, as
// the store's own would: so the damage is in the contents, not the
// framing.
func withHeader(body string) []byte {
	sum := crc32.Checksum([]byte(body), crc32.MakeTable(crc32.Castagnoli))
	return fmt.Appendf(nil, "sessiongen-filestore 1 %d %08x\n%s", len(body), sum, body)
}

// damages are what a crash, a disk or another tool can leave in a session
// file, each with what the error must say.
var damages = []struct {
	name   string
	damage func(good []byte) []byte
	says   string
}{
	{"empty", func([]byte) []byte { return nil }, "empty file"},
	{"cut short", func(b []byte) []byte { return b[:len(b)-20] }, "cut short"},
	{"cut in the header", func(b []byte) []byte { return b[:12] }, "no header line"},
	{"a byte changed", func(b []byte) []byte {
		b = bytes.Clone(b)
		i := bytes.LastIndexByte(b, 'x')
		b[i] = 'y'
		return b
	}, "checksum mismatch"},
	{"bytes appended", func(b []byte) []byte { return append(bytes.Clone(b), "{}\n"...) }, "3 bytes follow"},
	{"another file", func([]byte) []byte { return []byte("# notes\nsomething else\n") }, "is not a sessiongen-filestore header"},
	{"a newer format", func(b []byte) []byte {
		return bytes.Replace(b, []byte("sessiongen-filestore 1 "), []byte("sessiongen-filestore 2 "), 1)
	}, `format version "2"`},
	{"contents not JSON", func([]byte) []byte { return withHeader("{\"expires_at\": \n") }, "contents:"},
	{"JSON that is no session", func([]byte) []byte { return withHeader("{}\n") }, "no creation time"},
	{"data that is not an object", func([]byte) []byte {
		return withHeader(`{"created_at":"2026-01-01T00:00:00Z","expires_at":"2036-01-01T00:00:00Z","data":[1]}` + "\n")
	}, "contents:"},
}

// TestCorruptFile checks that a damaged session file is never taken for a
// session nor for no session: the operations on it fail, naming the file
// and the damage, and change nothing; the scans go on past it, logging
// it; Delete removes it.
func TestCorruptFile(t *testing.T) {
	t.Parallel()
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := t.TempDir()
			var logs syncbuf.Buffer
			s := newStore(t, dir, filestore.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			live := time.Now().Add(time.Hour)

			bad := randomHash(t)
			rec := runtime.Record{Data: map[string]json.RawMessage{"k": json.RawMessage(`"xxxx"`)}, ExpiresAt: live, UserID: "ada"}
			if err := s.Create(ctx, bad, rec); err != nil {
				t.Fatal(err)
			}
			path := fileOf(dir, bad)
			good, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			damaged := d.damage(good)
			if err := os.WriteFile(path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			// Healthy sessions beside it, one of them expired.
			healthy := randomHash(t)
			if err := s.Create(ctx, healthy, rec); err != nil {
				t.Fatal(err)
			}
			old := randomHash(t)
			if err := s.Create(ctx, old, runtime.Record{ExpiresAt: time.Now().Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}

			wantCorrupt := func(op string, err error) {
				t.Helper()
				if !errors.Is(err, filestore.ErrCorrupt) || errors.Is(err, runtime.ErrNotFound) {
					t.Errorf("%s: got error %v, want one wrapping ErrCorrupt", op, err)
					return
				}
				if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, d.says) {
					t.Errorf("%s: error %q does not name the file %s and say %q", op, msg, path, d.says)
				}
			}
			_, err = s.Load(ctx, bad)
			wantCorrupt("Load", err)
			_, err = s.FindSession(ctx, bad)
			wantCorrupt("FindSession", err)
			c := runtime.Change{Set: map[string]json.RawMessage{"b": json.RawMessage(`1`)}, ExpiresAt: live}
			wantCorrupt("Update", s.Update(ctx, bad, c))
			next := randomHash(t)
			wantCorrupt("Cycle", s.Cycle(ctx, bad, next, c))
			wantCorrupt("Cycle onto it", s.Cycle(ctx, healthy, bad, c))
			wantCorrupt("Create over it", s.Create(ctx, bad, rec))
			if _, err := s.Load(ctx, next); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Load of the Cycle's target: %v, want ErrNotFound", err)
			}
			if _, err := s.Load(ctx, healthy); err != nil {
				t.Errorf("Load of the session that was refused the move: %v", err)
			}

			infos, total, err := s.ListSessions(ctx, "", 0, 10)
			if err != nil || total != 2 || len(infos) != 2 {
				t.Errorf("ListSessions = %d of %d, %v; want the 2 healthy sessions", len(infos), total, err)
			}
			if infos, err := s.UserSessions(ctx, "ada"); err != nil || len(infos) != 1 || infos[0].Hash != healthy {
				t.Errorf("UserSessions = %+v, %v; want the healthy session", infos, err)
			}
			if n, err := s.DeleteExpired(ctx, 0); err != nil || n != 1 {
				t.Errorf("DeleteExpired = %d, %v; want the 1 expired healthy session", n, err)
			}
			if n, err := s.DeleteKey(ctx, "k", 0); err != nil || n != 1 {
				t.Errorf("DeleteKey = %d, %v; want the 1 healthy session", n, err)
			}
			if gone, err := s.DeleteUserSessions(ctx, "ada", runtime.TokenHash{}); err != nil || len(gone) != 1 || gone[0] != healthy {
				t.Errorf("DeleteUserSessions = %v, %v; want the healthy session", gone, err)
			}
			if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, damaged) {
				t.Fatalf("the damaged file was changed (%v): it must stay as found", err)
			}
			if n := strings.Count(logs.String(), "skipping a corrupt session file"); n < 5 || !strings.Contains(logs.String(), path) {
				t.Errorf("the scans logged %d skips, want one each, naming %s:\n%s", n, path, logs.String())
			}

			if err := s.Delete(ctx, bad); err != nil {
				t.Fatalf("Delete of the damaged file: %v", err)
			}
			if _, err := s.Load(ctx, bad); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Load after Delete: %v, want ErrNotFound", err)
			}
		})
	}
}

// TestForeignFilesAreLeftAlone checks that files the store did not name,
// as an operator may leave in the directory, are neither listed nor
// removed.
func TestForeignFilesAreLeftAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir)
	h := randomHash(t)
	if err := s.Create(ctx, h, runtime.Record{ExpiresAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	foreign := []string{"README", strings.ToUpper(h.String()), h.String() + ".bak", ".tmp-recent"}
	for _, name := range foreign {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("not a session"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, strings.Repeat("ab", 32)), 0o700); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpired(ctx, 0); err != nil || n != 1 {
		t.Errorf("DeleteExpired = %d, %v; want the 1 expired session", n, err)
	}
	if _, total, err := s.ListSessions(ctx, "", 0, 10); err != nil || total != 0 {
		t.Errorf("ListSessions = %d sessions, %v; want none", total, err)
	}
	for _, name := range foreign {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestStaleTempFilesAreRemoved checks that DeleteExpired removes what a
// write that crashed before its rename left, once it is old enough that
// no write can still be using it.
func TestStaleTempFilesAreRemoved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := newStore(t, dir)
	stale, fresh := filepath.Join(dir, ".tmp-1234"), filepath.Join(dir, ".tmp-5678")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("half a sess"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, long, long); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpired(context.Background(), 0); err != nil || n != 0 {
		t.Errorf("DeleteExpired = %d, %v; want 0: temporary files are not sessions", n, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file: %v, want it removed", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temporary file, perhaps a write under way: %v, want it kept", err)
	}
}
