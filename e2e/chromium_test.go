package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumNames are the browsers looked for on $PATH, in this order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"}

// noChromium says how to make the browser test run.
const noChromium = "no Chromium for the browser test: apt-get install chromium, " +
	"or set SESSIONGEN_CHROMIUM to a Chrome or Chromium binary"

// chromiumPath returns the browser to drive: $SESSIONGEN_CHROMIUM, or the
// first of chromiumNames on $PATH. Without one it skips t, unless $CI is
// "true": then it fails t, so that CI never silently skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SESSIONGEN_CHROMIUM"); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("SESSIONGEN_CHROMIUM=%s: %v", p, err)
		}
		return found
	}
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(noChromium + " (CI=true: the test fails rather than skips)")
	}
	t.Skip(noChromium)
	return ""
}

// newChromium starts a headless Chromium with a fresh profile, at desktop
// size, and returns a context whose tab it drives. The browser is closed
// when t ends. The flags keep it from reaching the network by itself.
func newChromium(t *testing.T, path string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}

// screenshot saves the whole page as a PNG named name under dir, and under
// $SESSIONGEN_SCREENSHOTS when set, to look at after the test. It returns
// the image.
func screenshot(t *testing.T, ctx context.Context, dir, name string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dirs := []string{dir}
	if extra := os.Getenv("SESSIONGEN_SCREENSHOTS"); extra != "" {
		if err := os.MkdirAll(extra, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, extra)
	}
	for _, d := range dirs {
		path := filepath.Join(d, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	return png
}

// step runs browser actions, failing the test with what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text returns the visible text of the element sel selects.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}
