package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/syncbuf"
)

var announced = regexp.MustCompile(`http://(\S+) \(sessions in ([^)]+)\)`)

func TestRunServesAndStopsCleanly(t *testing.T) {
	tests := []struct {
		name, databaseURL, store string
	}{
		{"memory", "", "memory"},
		{"postgres", pgtest.URL(t), "PostgreSQL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out syncbuf.Buffer
			done := make(chan int, 1)
			go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, tt.databaseURL, &out, io.Discard) }()

			var m []string
			for deadline := time.Now().Add(30 * time.Second); m == nil; {
				select {
				case code := <-done:
					t.Fatalf("run exited with %d before serving; output:\n%s", code, out.String())
				case <-time.After(20 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatalf("run did not announce its address; output:\n%s", out.String())
				}
				m = announced.FindStringSubmatch(out.String())
			}
			if m[2] != tt.store {
				t.Errorf("announced store %q, want %q", m[2], tt.store)
			}
			resp, err := http.Get("http://" + m[1] + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /: %d", resp.StatusCode)
			}
			cancel() // what Ctrl-C does
			if code := <-done; code != 0 {
				t.Fatalf("run returned %d after interrupt; output:\n%s", code, out.String())
			}
			if !strings.Contains(out.String(), "stopped") {
				t.Errorf("no clean stop reported:\n%s", out.String())
			}
		})
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"-nope"}, "", io.Discard, &errOut); code != 2 {
		t.Fatalf("run with an unknown flag = %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "-addr") {
		t.Errorf("usage not printed:\n%s", errOut.String())
	}
}
