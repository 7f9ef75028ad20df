package admin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/admin"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// Mount the admin page under /admin/ of an application's mux. Authorize
// decides who may use it; in an application it checks the signed-in user,
// as in
//
//	user, ok := session.From(r).BoundUser()
//	return ok && isStaff(user)
//
// with the page mounted behind the session middleware. Here a header
// stands in for that.
func Example() {
	store := memstore.New()
	h, _ := runtime.HashToken("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	_ = store.Create(context.Background(), h, runtime.Record{ExpiresAt: time.Now().Add(time.Hour), UserID: "bob"})

	adm, err := admin.New(admin.Config{
		Store: store,
		Keys: []runtime.KeyInfo{
			{Name: "user_name", GoType: "string", Doc: "Name of the signed-in user."},
		},
		Authorize: func(r *http.Request) bool { return r.Header.Get("X-Staff") == "yes" },
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", http.StripPrefix("/admin", adm))

	get := func(staff bool, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if staff {
			req.Header.Set("X-Staff", "yes")
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	fmt.Println("visitor:", get(false, "/admin/").Code)
	list := get(true, "/admin/?user=bob")
	fmt.Println("staff:", list.Code, strings.Contains(list.Body.String(), `<strong id="total">1</strong> session`))
	// Output:
	// visitor: 403
	// staff: 200 true
}

// New refuses a configuration that would let everyone in.
func ExampleNew() {
	_, err := admin.New(admin.Config{Store: memstore.New()})
	fmt.Println(errors.Is(err, admin.ErrNoAuthorize))
	// Output: true
}
