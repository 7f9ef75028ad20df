// Package e2e holds the end-to-end tests of the example shop: they build
// the shop from this checkout, run it as a real process on PostgreSQL, and
// drive its session admin in a headless Chromium.
//
// It is a module of its own so that the browser driver (chromedp) stays
// out of the core module's dependencies. Run it from this directory:
//
//	go test -count=1 ./...
//
// The browser test needs Chromium or Chrome: chromium, chromium-browser,
// google-chrome-stable or google-chrome on $PATH, or $SESSIONGEN_CHROMIUM
// naming a binary. Without one it is skipped, except when CI=true, where
// it fails. PostgreSQL is found or started as for the core module's tests
// (internal/pgtest).
//
// To refresh the screenshot of the admin page that the README shows
// (docs/admin.png):
//
//	go test -count=1 -run TestAdminInABrowser . -update
package e2e
