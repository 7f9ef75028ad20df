package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sessiongen/sessiongen/runtime"
)

// chromiumPath returns the browser the end-to-end test drives: Debian's
// chromium, or $SESSIONGEN_CHROMIUM. The test fails, rather than skips,
// without one: CI installs it (.ci/run).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SESSIONGEN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium to run the browser test: install it (apt-get install chromium, as .ci/run does) " +
		"or set SESSIONGEN_CHROMIUM to a Chrome or Chromium binary")
	return ""
}

// newChromium starts a headless chromium with a fresh profile for t, and
// returns a context whose tab it drives. The browser is closed when t ends.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
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

// screenshot saves the whole page as a PNG under dir, and also under
// $SESSIONGEN_SCREENSHOTS when set, to look at after the test.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dirs := []string{dir}
	if extra := os.Getenv("SESSIONGEN_SCREENSHOTS"); extra != "" {
		dirs = append(dirs, extra)
	}
	for _, d := range dirs {
		path := filepath.Join(d, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
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

// TestAdminInABrowser signs in to the shop as alice in a real headless
// chromium, opens the session admin, searches by user id and by token,
// opens a session, deletes it, and saves screenshots at desktop and phone
// width.
func TestAdminInABrowser(t *testing.T) {
	b := newBrowser(t, newStore(t, "pgstore"))
	ctx := newChromium(t)
	shots := t.TempDir()

	// Other people's sessions: bob, signed in on his phone, and a few
	// visitors with carts.
	bob := b.otherBrowser("BobPhone/1.0 <Mobile>")
	bob.signIn("bob", "builder")
	var carol *browser
	for i := range 4 {
		v := b.otherBrowser(fmt.Sprintf("Visitor/%d.0", i))
		v.post("/cart/add", url.Values{"product": {"tea"}})
		carol = v
	}

	step(t, ctx, "sign in as alice",
		chromedp.Navigate(b.srv.URL+"/signin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "wonderland"),
		chromedp.Click(chromedp.CSS(`main form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#admin-link`)),
	)
	step(t, ctx, "open the admin", chromedp.Click(chromedp.CSS(`#admin-link`)), chromedp.WaitVisible(chromedp.CSS(`#total`)))
	if got := text(t, ctx, "#total"); got != "6" {
		t.Fatalf("the admin counts %s sessions, want 6 (alice, bob, 4 visitors)", got)
	}
	screenshot(t, ctx, shots, "admin-list.png")

	step(t, ctx, "search by user id",
		chromedp.SendKeys(chromedp.CSS(`#user`), "bob"),
		chromedp.Click(chromedp.CSS(`#find-user`)),
		chromedp.WaitVisible(chromedp.CSS(`#signout-user`)),
	)
	if got := text(t, ctx, "#total"); got != "1" {
		t.Fatalf("bob has %s sessions in the admin, want 1", got)
	}
	step(t, ctx, "open bob's session", chromedp.Click(chromedp.CSS(`a.open`)), chromedp.WaitVisible(chromedp.CSS(`#hash`)))
	if got, want := text(t, ctx, "#hash"), bob.hash().String(); got != want {
		t.Fatalf("opened session %s, want bob's %s", got, want)
	}
	if got := text(t, ctx, "#user-agent"); got != "BobPhone/1.0 <Mobile>" {
		t.Fatalf("user agent shown as %q", got)
	}
	screenshot(t, ctx, shots, "admin-detail.png")

	step(t, ctx, "delete bob's session", chromedp.Click(chromedp.CSS(`#delete`)), chromedp.WaitVisible(chromedp.CSS(`#notice`)))
	if got := text(t, ctx, "#notice"); got != "Session deleted." {
		t.Fatalf("notice after deleting: %q", got)
	}
	if got := text(t, ctx, "#total"); got != "5" {
		t.Fatalf("%s sessions after deleting one, want 5", got)
	}
	screenshot(t, ctx, shots, "admin-deleted.png")
	if _, err := b.store.Load(context.Background(), bob.hash()); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("bob's session is still stored: %v", err)
	}
	_, page := bob.get("/")
	mustContain(t, "bob after the admin deleted his session", page, `<a href="/signin">Sign in</a>`)

	step(t, ctx, "search by token",
		chromedp.SendKeys(chromedp.CSS(`#token`), carol.token()),
		chromedp.Click(chromedp.CSS(`#find-token`)),
		chromedp.WaitVisible(chromedp.CSS(`#hash`)),
	)
	if got, want := text(t, ctx, "#hash"), carol.hash().String(); got != want {
		t.Fatalf("token search opened %s, want %s", got, want)
	}
	mustContain(t, "visitor's session", text(t, ctx, "main"), "cart", "[]github.com/sessiongen/sessiongen/example/catalog.CartLine", `"product_id": "tea"`)
	detail, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	// At phone width (a phone's overlay scrollbars, its viewport meta
	// honoured), nothing is wider than the screen.
	step(t, ctx, "phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(b.srv.URL+"/admin/"), chromedp.WaitVisible(chromedp.CSS(`#total`)))
	fits := func(what string) {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= document.documentElement.clientWidth && document.documentElement.clientWidth <= 390`))
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Errorf("%s is wider than a 390 px screen", what)
		}
	}
	fits("the list")
	screenshot(t, ctx, shots, "admin-list-phone.png")
	step(t, ctx, "detail at phone width", chromedp.Navigate(detail), chromedp.WaitVisible(chromedp.CSS(`#hash`)))
	fits("the detail view")
	screenshot(t, ctx, shots, "admin-detail-phone.png")
}
