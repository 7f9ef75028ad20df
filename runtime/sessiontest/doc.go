// Package sessiontest tests HTTP handlers that use sessions, in a few
// lines, with no database and no cookies handled by hand: what Django's
// test client (client.session) and Spring's MockHttpSession give their
// frameworks' tests.
//
// A Client is a runtime.Manager over a memstore.Store, with a cookie jar:
// a test seeds a session with typed values, runs a handler behind the
// manager's middleware with a request that carries the session's cookie,
// and reads back, typed, what the handler stored. Seeding and reading go
// through the application's own generated accessors, so a test says what
// its handlers say:
//
//	func TestAddToCart(t *testing.T) {
//		c := sessiontest.New(t)
//		c.Seed(func(r *http.Request) {
//			session.From(r).SetCart([]catalog.CartLine{{ProductID: "tea", Quantity: 1}})
//		})
//		resp := c.Do(http.HandlerFunc(addToCart), httptest.NewRequest("POST", "/cart/add?product=tea", nil))
//		if resp.StatusCode != http.StatusSeeOther {
//			t.Fatalf("status %d", resp.StatusCode)
//		}
//		c.Read(func(r *http.Request) {
//			if got := session.From(r).Cart(); got[0].Quantity != 2 {
//				t.Errorf("cart %v, want 2 teas", got)
//			}
//		})
//	}
//
// # Seed, Do, Read
//
// Seed runs a function as the handler of a request, behind the middleware,
// so what it sets is stored as a real request stores it: under a fresh
// token, or the one the client holds, with the manager's expiry, and with
// the user a SignIn binds. Do runs the handler under test the same way, on
// the request the test built (httptest.NewRequest is enough), and returns
// the response, whose body the test reads as it likes. Both keep the
// cookies the response sets, as a browser does, and send them with the
// next request, so a sequence of Seed and Do calls is a visitor's visit.
//
// Read runs a function on the session the client holds, as the next
// request would see it, and throws away whatever the function changes:
// PopX in Read returns the flash value and leaves it stored, for later
// Reads and for the next Do. To consume it, pop it in a Seed, or in the
// handler a Do runs, as the application does.
//
// # What the test can check
//
// Token returns the token of the client's session cookie, and Live tells
// whether a token names a live session, so a test can check that a
// sign-in cycled the key (the token changed and the old one is dead);
// Cycled and Flushed say what the last Seed or Do did to the session it
// carried: moved it to a new token (SignIn, CycleKey), or deleted it
// (Flush, or a handler that emptied it). Cookie returns the session cookie
// as the response set it, for its Max-Age and attributes; Record returns
// the stored row, its data as JSON, its expiry and its bound user; Store
// and Manager give the store and the manager themselves.
//
// # Failures
//
// Seed, Do and Read fail the test, with t.Fatalf, when the session could
// not be loaded or saved and the manager's error handler replaced the
// handler's response: a value that JSON cannot encode (a NaN), one that no
// store keeps (a string holding U+0000), a session over WithMaxSize. They
// also fail it when the middleware logged a session error without
// replacing the response: a change the handler made after writing the
// response that needed a new cookie. The message names the request and
// quotes the error. Try is Do for a test that expects the failure: it
// returns the error, and the error handler's response, instead.
//
// New installs an error handler, which records the error and answers as
// runtime.DefaultErrorHandler does, and a logger, which records session
// errors and writes every line to the test's log, before the options it is
// given. A WithErrorHandler or WithLogger option replaces them: the
// application's own error handler then writes the response, and a failure
// is still detected (the middleware reports the replaced response as
// runtime.ErrResponseReplaced), but its message cannot quote the error,
// and late changes are no longer noticed.
//
// # Not a browser
//
// The jar keeps one cookie per name and sends every cookie it holds with
// every request, whatever its Domain, Path and Secure attributes, as
// Django's test client does: the default Secure cookie works on the
// http://example.com requests of httptest.NewRequest. A cookie the request
// already carries is not replaced, so a test can send a token of its own.
// A Client is for one test goroutine at a time.
package sessiontest
