package filestore_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/janitor"
)

// sessionFiles returns how many session files dir holds.
func sessionFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if len(e.Name()) == 64 {
			n++
		}
	}
	return n
}

func TestJanitorRemovesExpiredFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir)
	const expired, live = 25, 3
	var kept []runtime.TokenHash
	for i := range expired + live {
		h, exp := randomHash(t), time.Now().Add(-time.Duration(i+1)*time.Second)
		if i >= expired {
			exp = time.Now().Add(time.Hour)
			kept = append(kept, h)
		}
		if err := s.Create(ctx, h, runtime.Record{ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	stop := janitor.Start(ctx, s, time.Hour, janitor.WithBatchSize(10), janitor.WithLogger(log))
	defer stop()
	for deadline := time.Now().Add(10 * time.Second); sessionFiles(t, dir) != live; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the janitor left %d session files, want the %d live ones; log:\n%s", sessionFiles(t, dir), live, logs.String())
		}
	}
	stop()
	for _, h := range kept {
		if _, err := s.Load(ctx, h); err != nil {
			t.Errorf("live session after the janitor ran: %v", err)
		}
	}
	if !strings.Contains(logs.String(), "expired sessions deleted") || !strings.Contains(logs.String(), "deleted=25") {
		t.Errorf("the janitor's run is not logged with its 25 deletions:\n%s", logs.String())
	}
}
