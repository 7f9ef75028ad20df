package main

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/internal/webclient"
)

// startShop runs the shop with args until the test ends or the returned
// stop is called, and returns its address and stop, which reports run's
// exit code.
func startShop(t *testing.T, args ...string) (addr, store string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), "", &out, io.Discard) }()
	var m []string
	for deadline := time.Now().Add(30 * time.Second); m == nil; {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("run exited with %d before serving; output:\n%s", code, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("run did not announce its address; output:\n%s", out.String())
		}
		m = announced.FindStringSubmatch(out.String())
	}
	stopped := false
	stop = func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return m[1], m[2], stop
}

// TestRunKeepsFileSessionsAcrossRestarts runs the shop with -sessions,
// fills a cart, restarts the shop over the same directory, and finds the
// cart still there: what the files are for.
func TestRunKeepsFileSessionsAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	addr, store, stop := startShop(t, "-sessions", dir)
	if want := "files under " + dir; store != want {
		t.Errorf("announced store %q, want %q", store, want)
	}
	b := webclient.New(t, "http://"+addr)
	b.Post("/cart/add", url.Values{"product": {"tea"}})
	b.Post("/cart/add", url.Values{"product": {"mug"}})
	_, page := b.Get("/")
	webclient.MustContain(t, "before the restart", page, `<span id="cart-count">2</span>`)
	if code := stop(); code != 0 {
		t.Fatalf("run returned %d after interrupt", code)
	}
	matches, err := filepath.Glob(filepath.Join(dir, strings.Repeat("[0-9a-f]", 64)))
	if err != nil || len(matches) != 1 {
		t.Fatalf("session files in %s: %v, %v; want the browser's one", dir, matches, err)
	}

	addr, _, _ = startShop(t, "-sessions", dir)
	again := webclient.New(t, "http://"+addr)
	again.HTTP.Jar = b.HTTP.Jar // the same browser: cookies are per host, not per port
	_, page = again.Get("/")
	webclient.MustContain(t, "after the restart", page, `<span id="cart-count">2</span>`)
}

func TestRunRefusesUnusableSessionsFlags(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name        string
		args        []string
		databaseURL string
		code        int
		says        string
	}{
		{"a missing directory", []string{"-sessions", missing}, "", 1, "example: filestore: session directory " + missing + " does not exist"},
		{"two stores", []string{"-sessions", t.TempDir()}, "postgres://localhost/shop", 2, "-sessions and DATABASE_URL both say where to keep sessions"},
		{"no directory", []string{"-sessions"}, "", 2, "flag needs an argument: -sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			args := append([]string{"-addr", "127.0.0.1:0"}, tt.args...)
			if code := run(context.Background(), args, tt.databaseURL, io.Discard, &errOut); code != tt.code {
				t.Errorf("run = %d, want %d; stderr:\n%s", code, tt.code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.says) {
				t.Errorf("stderr does not say %q:\n%s", tt.says, errOut.String())
			}
		})
	}
}
