package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// update makes TestAdminInABrowser refresh the README's screenshot.
var update = flag.Bool("update", false, "write the admin list's desktop screenshot to "+readmeScreenshot)

// readmeScreenshot is the committed screenshot of the admin list that the
// README shows.
const readmeScreenshot = "../docs/admin.png"

// TestAdminInABrowser runs the example shop as a process on PostgreSQL,
// signs in to it as alice in a real headless Chromium, opens the session
// admin, searches by user id and by token, opens a session, deletes it,
// and saves screenshots at desktop and phone width.
func TestAdminInABrowser(t *testing.T) {
	chromium := chromiumPath(t)
	app := startShop(t)
	pool, err := pgxpool.New(context.Background(), app.databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	sessions := pgstore.New(pool) // the shop's table, to check what it stores
	ctx := newChromium(t, chromium)
	shots := t.TempDir()

	// Other people's sessions: bob, signed in on his phone, and a few
	// visitors with carts.
	bob := webclient.New(t, app.url)
	bob.Header.Set("User-Agent", "BobPhone/1.0 <Mobile>")
	signIn(bob, "bob", "builder")
	var carol *webclient.Client
	for i := range 4 {
		v := webclient.New(t, app.url)
		v.Header.Set("User-Agent", fmt.Sprintf("Visitor/%d.0", i))
		v.Submit("/cart/add", url.Values{"product": {"tea"}})
		carol = v
	}

	step(t, ctx, "sign in as alice",
		chromedp.Navigate(app.url+"/signin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "wonderland"),
		chromedp.Click(chromedp.CSS(`main form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#admin-link`)),
	)
	step(t, ctx, "open the admin", chromedp.Click(chromedp.CSS(`#admin-link`)), chromedp.WaitVisible(chromedp.CSS(`#total`)))
	if got := text(t, ctx, "#total"); got != "6" {
		t.Fatalf("the admin counts %s sessions, want 6 (alice, bob, 4 visitors)", got)
	}
	list := screenshot(t, ctx, shots, "admin-list.png")

	step(t, ctx, "search by user id",
		chromedp.SendKeys(chromedp.CSS(`#user`), "bob"),
		chromedp.Click(chromedp.CSS(`#find-user`)),
		chromedp.WaitVisible(chromedp.CSS(`#signout-user`)),
	)
	if got := text(t, ctx, "#total"); got != "1" {
		t.Fatalf("bob has %s sessions in the admin, want 1", got)
	}
	step(t, ctx, "open bob's session", chromedp.Click(chromedp.CSS(`a.open`)), chromedp.WaitVisible(chromedp.CSS(`#hash`)))
	if got, want := text(t, ctx, "#hash"), bob.Hash().String(); got != want {
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
	if _, err := sessions.Load(context.Background(), bob.Hash()); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("bob's session is still stored: %v", err)
	}
	_, page := bob.Get("/")
	webclient.MustContain(t, "bob after the admin deleted his session", page, `<a href="/signin">Sign in</a>`)

	step(t, ctx, "search by token",
		chromedp.SendKeys(chromedp.CSS(`#token`), carol.Token()),
		chromedp.Click(chromedp.CSS(`#find-token`)),
		chromedp.WaitVisible(chromedp.CSS(`#hash`)),
	)
	if got, want := text(t, ctx, "#hash"), carol.Hash().String(); got != want {
		t.Fatalf("token search opened %s, want %s", got, want)
	}
	webclient.MustContain(t, "visitor's session", text(t, ctx, "main"), "cart", "[]github.com/sessiongen/sessiongen/example/catalog.CartLine", `"product_id": "tea"`)
	detail, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	// At phone width (a phone's overlay scrollbars, its viewport meta
	// honoured), nothing is wider than the screen.
	step(t, ctx, "phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(app.url+"/admin/"), chromedp.WaitVisible(chromedp.CSS(`#total`)))
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

	// The README's screenshot is refreshed only from a run that passed.
	if *update && !t.Failed() {
		if err := os.WriteFile(readmeScreenshot, list, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s", readmeScreenshot)
	}
}

// signIn signs c in to the shop as name, through the sign-in form (whose
// page sets the test cookie the form's handler checks).
func signIn(c *webclient.Client, name, password string) {
	c.Get("/signin")
	c.Submit("/signin", url.Values{"name": {name}, "password": {password}})
}
