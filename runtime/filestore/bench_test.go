package filestore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/filestore"
)

// These benchmarks measure the store's operations on the small session of
// bench/ (an int and a short string) and its large one (50 keys, 8 KB),
// in a directory under $TMPDIR: a save syncs a file and the directory to
// disk, so its figure is mostly the disk's (TMPDIR=/dev/shm shows what is
// left without a disk). The scans read every session file.
//
//	go test -run '^$' -bench . -benchmem ./runtime/filestore/

// benchData returns the data of the bench's small or large session.
func benchData(large bool) map[string]json.RawMessage {
	if !large {
		return map[string]json.RawMessage{"count": json.RawMessage(`0`), "name": json.RawMessage(`"alice"`)}
	}
	d := map[string]json.RawMessage{}
	for i := range 50 {
		d[fmt.Sprintf("k%02d", i)] = json.RawMessage(fmt.Sprintf(`"value %02d %s"`, i, strings.Repeat("x", 151)))
	}
	return d
}

var sizes = []struct {
	name  string
	large bool
}{{"small", false}, {"large", true}}

func BenchmarkLoad(b *testing.B) {
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			ctx := context.Background()
			s := newStore(b, b.TempDir())
			h := randomHash(b)
			if err := s.Create(ctx, h, runtime.Record{Data: benchData(size.large), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Load(ctx, h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUpdate(b *testing.B) {
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			ctx := context.Background()
			s := newStore(b, b.TempDir())
			h := randomHash(b)
			exp := time.Now().Add(time.Hour)
			if err := s.Create(ctx, h, runtime.Record{Data: benchData(size.large), ExpiresAt: exp}); err != nil {
				b.Fatal(err)
			}
			c := runtime.Change{Set: map[string]json.RawMessage{"count": json.RawMessage(`1`)}, ExpiresAt: exp, MaxSize: 64 << 10}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Update(ctx, h, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUserSessions lists one user's sessions among n: a scan of
// every session file, as ListSessions and DeleteUserSessions make too.
func BenchmarkUserSessions(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			s := newStore(b, dir)
			fillUsers(b, s, dir, n, 50)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				infos, err := s.UserSessions(ctx, "user-7")
				if err != nil || len(infos) != n/50 {
					b.Fatalf("UserSessions = %d sessions, %v; want %d", len(infos), err, n/50)
				}
			}
		})
	}
}

// fillUsers stores n sessions in dir, bound to users "user-0" and on, as
// many for each of the given number of users. It saves one session per
// user through s and copies its file under new hashes (a file does not
// hold its hash), which spares n syncs to disk.
func fillUsers(b *testing.B, s *filestore.Store, dir string, n, users int) {
	b.Helper()
	ctx := context.Background()
	for u := range users {
		h := randomHash(b)
		rec := runtime.Record{Data: benchData(false), ExpiresAt: time.Now().Add(time.Hour), UserID: fmt.Sprint("user-", u)}
		if err := s.Create(ctx, h, rec); err != nil {
			b.Fatal(err)
		}
		file, err := os.ReadFile(fileOf(dir, h))
		if err != nil {
			b.Fatal(err)
		}
		for range n/users - 1 {
			if err := os.WriteFile(fileOf(dir, randomHash(b)), file, 0o600); err != nil {
				b.Fatal(err)
			}
		}
	}
}
