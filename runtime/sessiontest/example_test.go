package sessiontest_test

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"

	"github.com/sessiongen/sessiongen/example/catalog"
	"github.com/sessiongen/sessiongen/example/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/sessiontest"
)

// exampleT stands in for the *testing.T of a test, so that the examples
// run: it prints what a test would report.
type exampleT struct{}

func (exampleT) Helper()                   {}
func (exampleT) Logf(string, ...any)       {}
func (exampleT) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// t is the examples' stand-in for a test's *testing.T.
var t sessiontest.TB = exampleT{}

// A handler test seeds the session with the application's generated
// setters, runs the handler on a request that carries the session, and
// reads back what the handler stored with the generated getters.
func Example() {
	addToCart := func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		sess.SetCart(catalog.Add(sess.Cart(), r.FormValue("product")))
		sess.SetNotice("Added.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}

	c := sessiontest.New(t)
	c.Seed(func(r *http.Request) {
		session.From(r).SetCart([]catalog.CartLine{{ProductID: "tea", Quantity: 1}})
	})
	resp := c.Do(http.HandlerFunc(addToCart), httptest.NewRequest("POST", "/cart/add?product=tea", nil))
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	c.Read(func(r *http.Request) {
		sess := session.From(r)
		notice, _ := sess.PopNotice()
		fmt.Println(sess.Cart(), notice)
	})
	// Output:
	// 303 /
	// [{tea 2}] Added.
}

// Read leaves a flash value stored: the next request that pops it gets
// it.
func ExampleClient_Read() {
	page := func(w http.ResponseWriter, r *http.Request) {
		notice, _ := session.From(r).PopNotice()
		fmt.Fprintf(w, "notice %q", notice)
	}

	c := sessiontest.New(t)
	c.Seed(func(r *http.Request) { session.From(r).SetNotice("Saved.") })
	c.Read(func(r *http.Request) { fmt.Println(session.From(r).PopNotice()) })
	c.Read(func(r *http.Request) { fmt.Println(session.From(r).PopNotice()) })
	for range 2 {
		body, _ := io.ReadAll(c.Do(http.HandlerFunc(page), httptest.NewRequest("GET", "/", nil)).Body)
		fmt.Println(string(body))
	}
	// Output:
	// Saved. true
	// Saved. true
	// notice "Saved."
	// notice ""
}

// A sign-in cycles the key: the client holds a new token, the old one
// names no session, and the session keeps its data, bound to the user.
func ExampleClient_Cycled() {
	signIn := func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		sess.SignIn(r.FormValue("name"))
		sess.SetUserName(r.FormValue("name"))
	}

	c := sessiontest.New(t)
	c.Seed(func(r *http.Request) { session.From(r).SetTheme("dark") })
	before := c.Token()
	c.Do(http.HandlerFunc(signIn), httptest.NewRequest("POST", "/signin?name=alice", nil))
	fmt.Println(c.Cycled(), c.Token() != before, c.Live(before))
	c.Read(func(r *http.Request) {
		sess := session.From(r)
		user, _ := sess.BoundUser()
		fmt.Println(user, sess.UserName(), sess.Theme())
	})
	// Output:
	// true true false
	// alice alice dark
}

// A sign-out: Flushed reports that the request deleted its session; the
// notice set after the Flush lives in a new one.
func ExampleClient_Flushed() {
	signOut := func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		sess.Flush()
		sess.SetNotice("You are signed out.")
	}

	c := sessiontest.New(t)
	c.Seed(func(r *http.Request) {
		sess := session.From(r)
		sess.SignIn("alice")
		sess.SetUserName("alice")
	})
	before := c.Token()
	c.Do(http.HandlerFunc(signOut), httptest.NewRequest("POST", "/signout", nil))
	fmt.Println(c.Flushed(), c.Live(before), c.Stored())
	c.Read(func(r *http.Request) {
		_, bound := session.From(r).BoundUser()
		fmt.Println(bound)
	})
	// Output:
	// true false true
	// false
}

// Try returns the error of a save that fails, here a value JSON cannot
// encode, where Do would fail the test with it.
func ExampleClient_Try() {
	h := func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), "score", math.NaN())
		fmt.Fprint(w, "saved")
	}

	c := sessiontest.New(t)
	resp, err := c.Try(http.HandlerFunc(h), httptest.NewRequest("POST", "/score", nil))
	fmt.Println(resp.StatusCode, errors.Is(err, runtime.ErrInvalidValue), c.Stored())
	// Output:
	// 500 true false
}
