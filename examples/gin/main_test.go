package main

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/examples/internal/webtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	gin.DefaultErrorWriter = io.Discard // gin.Recovery's stack traces
	m.Run()
}

// storedVisits returns the visits the store holds for the browser's
// session cookie, as JSON.
func storedVisits(t *testing.T, b *webtest.Browser, store *memstore.Store) string {
	t.Helper()
	c, ok := b.Cookie(runtime.DefaultCookieName)
	if !ok {
		t.Fatal("the browser holds no session cookie")
	}
	h, ok := runtime.HashToken(c.Value)
	if !ok {
		t.Fatalf("session cookie %q is not a token", c.Value)
	}
	rec, err := store.Load(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	return string(rec.Data["visits"])
}

// TestCookieWithBody checks that the headers of a response Gin writes with
// c.String, and one that sets the status before changing the session, carry
// the session cookie, and that the session is stored by the time the
// response arrives.
func TestCookieWithBody(t *testing.T) {
	mgr, store := webtest.NewManager(t)
	r := newRouter(mgr)
	r.POST("/late", func(c *gin.Context) {
		c.Status(http.StatusCreated)
		// Still before the headers go out: Gin sends them with the body.
		webtest.AddVisits(c.Request, 10)
		_, _ = c.Writer.WriteString("created\n")
	})
	b := webtest.New(t, r)

	resp := b.Get("/", http.StatusOK, "visit 1\n")
	if !webtest.SetCookieHeader(resp, runtime.DefaultCookieName) {
		t.Fatal("a response written with c.String set no session cookie")
	}
	if got := storedVisits(t, b, store); got != "1" {
		t.Fatalf("stored visits = %s, want 1", got)
	}

	fresh := b.Another()
	resp = fresh.Post("/late", http.StatusCreated, "created\n")
	if !webtest.SetCookieHeader(resp, runtime.DefaultCookieName) {
		t.Fatal("a session changed after c.Status set no cookie")
	}
	if got := storedVisits(t, fresh, store); got != "10" {
		t.Fatalf("stored visits = %s, want 10", got)
	}
}

// TestServerErrorNotSaved checks that the session middleware sees the
// status of a response without a body, and of a panic: for a 5xx it saves
// nothing the handler changed.
func TestServerErrorNotSaved(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	r := newRouter(mgr)
	r.GET("/fail", func(c *gin.Context) {
		webtest.AddVisits(c.Request, 100)
		c.Status(http.StatusInternalServerError)
	})
	r.GET("/panic", func(c *gin.Context) {
		webtest.AddVisits(c.Request, 1000)
		panic("handler bug")
	})
	b := webtest.New(t, r)
	b.Get("/", http.StatusOK, "visit 1\n")
	b.Get("/fail", http.StatusInternalServerError, "")
	b.Get("/panic", http.StatusInternalServerError, "")
	b.Get("/", http.StatusOK, "visit 2\n")
}

// TestHijack takes over the connection, as a WebSocket upgrade does, after
// changing a stored session: the change is saved when the handler returns,
// as it needs no new cookie.
func TestHijack(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	r := newRouter(mgr)
	r.GET("/hijack", func(c *gin.Context) {
		webtest.AddVisits(c.Request, 10)
		conn, rw, err := c.Writer.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nhijacked\n")
		_ = rw.Flush()
	})
	// The late save happens as the handler returns, which may be after the
	// browser has read the response: wait for the request to end.
	served := make(chan struct{}, 1)
	b := webtest.New(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.ServeHTTP(w, req)
		if req.URL.Path == "/hijack" {
			served <- struct{}{}
		}
	}))
	b.Get("/", http.StatusOK, "visit 1\n")
	b.Get("/hijack", http.StatusOK, "hijacked\n")
	<-served
	b.Get("/", http.StatusOK, "visit 12\n")
}

// TestRouteLevelMiddleware puts the session middleware on one route and on
// a group: they keep their session, the other route has none and sets no
// cookie.
func TestRouteLevelMiddleware(t *testing.T) {
	mgr, _ := webtest.NewManager(t)
	r := gin.New()
	r.GET("/", sessions(mgr), visit)
	group := r.Group("/shop", sessions(mgr))
	group.POST("/cart/:item", addToCart)
	r.GET("/healthz", gin.WrapF(webtest.NoSession))
	b := webtest.RouteLevel(t, r, "/")
	b.Post("/shop/cart/tea", http.StatusOK, "cart: tea\n")
}

// TestSessionPersists visits the app as one browser, then another.
func TestSessionPersists(t *testing.T) {
	webtest.VisitAndShop(t, newRouter)
}
