package main

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/webclient"
)

// openStream opens b's devices event stream, checks that it is one and is
// listening, and returns its lines, closed when the stream ends.
func (b *browser) openStream() <-chan string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	b.t.Cleanup(cancel)
	req := b.NewRequest(http.MethodGet, "/devices/events", nil).WithContext(ctx)
	resp, err := b.HTTP.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		b.t.Fatalf("GET /devices/events: %d %q, want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 16)
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || sc.Text() != ": listening" || !sc.Scan() || sc.Text() != "" {
		b.t.Fatalf("the stream began with %q, want the comment \": listening\" and a blank line", sc.Text())
	}
	go func() {
		defer close(lines)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// streamEnd reads lines until the stream ends, and returns its events
// (the "event:" and "data:" lines), or fails when it stays open.
func streamEnd(t *testing.T, lines <-chan string) []string {
	t.Helper()
	var events []string
	timeout := time.After(15 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return events
			}
			if strings.HasPrefix(l, "event:") || strings.HasPrefix(l, "data:") {
				events = append(events, l)
			}
		case <-timeout:
			t.Fatalf("the stream stayed open 15s; events so far: %q", events)
		}
	}
}

// TestDeviceStreamEndsWhenSignedOutElsewhere checks the example's use of
// lifecycle events: the laptop's devices page stream ends, saying why, when
// the same user signs out everywhere from the phone, and when the laptop
// signs out itself; a stranger's stream stays open.
func TestDeviceStreamEndsWhenSignedOutElsewhere(t *testing.T) {
	for _, kind := range []string{"memstore", "pgstore"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			b := newBrowser(t, newStore(t, kind))
			phone := b.otherBrowser("Phone/2.0")
			stranger := b.otherBrowser("Stranger/3.0")
			b.signIn("alice", "wonderland")
			phone.signIn("alice", "wonderland")
			stranger.signIn("bob", "builder")

			laptop := b.openStream()
			strangers := stranger.openStream()
			phone.Submit("/devices/signout-everywhere", nil)
			if got, want := streamEnd(t, laptop), []string{"event: ended", "data: user_signed_out"}; !slices.Equal(got, want) {
				t.Errorf("laptop's stream after sign out everywhere: %q, want %q", got, want)
			}
			select {
			case l, ok := <-strangers:
				t.Errorf("another user's stream got %q (open %v)", l, ok)
			case <-time.After(200 * time.Millisecond):
			}

			// Signed out here: the stream ends too, and a page signed
			// out cannot open one.
			b.signIn("alice", "wonderland")
			laptop = b.openStream()
			b.Submit("/signout", nil)
			if got, want := streamEnd(t, laptop), []string{"event: ended", "data: signed_out"}; !slices.Equal(got, want) {
				t.Errorf("laptop's stream after signing out: %q, want %q", got, want)
			}
			if resp, _ := b.Get("/devices/events"); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("a signed-out GET /devices/events: %d, want 401", resp.StatusCode)
			}
		})
	}
}

// TestDeviceStreamWithoutEvents checks that a store with no event bus
// (files) answers the stream with 204 No Content, which browsers do not
// retry, and that the devices page still works.
func TestDeviceStreamWithoutEvents(t *testing.T) {
	t.Parallel()
	b := newBrowser(t, newStore(t, "filestore"))
	b.signIn("alice", "wonderland")
	if resp, _ := b.Get("/devices/events"); resp.StatusCode != http.StatusNoContent {
		t.Errorf("GET /devices/events over files: %d, want 204", resp.StatusCode)
	}
	_, page := b.Get("/devices")
	webclient.MustContain(t, "devices page", page, `new EventSource("/devices/events")`)
}
