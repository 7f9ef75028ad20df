// Command gin serves the app of package shop on the Gin framework: it
// counts the visitor's visits and keeps a cart, in typed sessions held in
// memory. Run it from the examples module with
//
//	go run ./gin
//
// and open http://localhost:8080/ (see shop.Addr about its Secure cookie).
//
// Gin has no adapter for net/http middleware; sessions, below, is one for
// the session middleware, for a whole engine (r.Use), a group or a route.
// An app that wants sessions on every route can instead serve the engine
// through the middleware as it is: mgr.Middleware(r).
package main

import (
	"bufio"
	"log"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/examples/shop"
	"github.com/sessiongen/sessiongen/runtime"
)

// sessions returns Gin middleware that runs the rest of the chain inside
// mgr.Middleware. The session middleware passes its handler a request that
// carries the session, and a ResponseWriter that saves the session and
// sets its cookie just before the headers go out; the chain must use both,
// so the request becomes c.Request and c.Writer writes through that writer.
func sessions(mgr *runtime.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		outer := c.Writer
		// Middleware outside this one gets back the writer Gin gave it,
		// whose status is the one sent, even when the session middleware
		// replaced the response with its error handler's.
		defer func() { c.Writer = outer }()
		mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.Request = r
			sw := &sessionWriter{ResponseWriter: outer, w: w, status: http.StatusOK, size: -1}
			c.Writer = sw
			c.Next()
			// A handler that wrote no body (c.Status alone) has sent no
			// headers: Gin sends them after the whole chain. Send them now,
			// while the session middleware can see the status, or it would
			// save the session as for a 200 and send 200 instead.
			sw.WriteHeaderNow()
		})).ServeHTTP(outer, c.Request)
	}
}

// sessionWriter is a gin.ResponseWriter that writes through the session
// middleware's writer w. Like Gin's own writer, it keeps the status that
// WriteHeader sets until the first byte of the body, WriteHeaderNow or
// Flush, so a handler may still change the session after c.Status: the
// cookie goes out with the headers. CloseNotify and Pusher are Gin's.
type sessionWriter struct {
	gin.ResponseWriter
	w      http.ResponseWriter
	status int
	size   int // bytes of body written; -1 until the headers are sent
}

// Header returns the response headers.
func (sw *sessionWriter) Header() http.Header { return sw.w.Header() }

// WriteHeader sets the status to send, unless the headers went out.
func (sw *sessionWriter) WriteHeader(code int) {
	if code > 0 && !sw.Written() {
		sw.status = code
	}
}

// WriteHeaderNow sends the headers, saving the session, unless they went
// out.
func (sw *sessionWriter) WriteHeaderNow() {
	if !sw.Written() {
		sw.size = 0
		sw.w.WriteHeader(sw.status)
	}
}

// Write sends the headers if they have not gone out, then p.
func (sw *sessionWriter) Write(p []byte) (int, error) {
	sw.WriteHeaderNow()
	n, err := sw.w.Write(p)
	sw.size += n
	return n, err
}

// WriteString is Write of a string.
func (sw *sessionWriter) WriteString(s string) (int, error) { return sw.Write([]byte(s)) }

// Flush sends the headers if they have not gone out, and what was written.
func (sw *sessionWriter) Flush() {
	sw.WriteHeaderNow()
	_ = http.NewResponseController(sw.w).Flush()
}

// Hijack hands the connection to the handler through the session
// middleware, which then saves only changes that need no cookie, as after
// any response has started.
func (sw *sessionWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(sw.w).Hijack()
	if err == nil && sw.size < 0 {
		sw.size = 0
	}
	return conn, rw, err
}

// Status returns the status sent, or to be sent.
func (sw *sessionWriter) Status() int { return sw.status }

// Size returns the bytes of body written, -1 until the headers are sent.
func (sw *sessionWriter) Size() int { return sw.size }

// Written reports whether the headers have been sent.
func (sw *sessionWriter) Written() bool { return sw.size != -1 }

// Unwrap returns the session middleware's writer, for
// http.ResponseController.
func (sw *sessionWriter) Unwrap() http.ResponseWriter { return sw.w }

// newRouter returns the app's routes, every one behind the session
// middleware.
func newRouter(mgr *runtime.Manager) *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery(), sessions(mgr))
	r.GET("/", visit)
	r.POST("/cart/:item", addToCart)
	return r
}

// visit counts the visit and says which one it is.
func visit(c *gin.Context) {
	c.String(http.StatusOK, "%s", shop.Visit(session.From(c.Request)))
}

// addToCart adds the item named in the path to the cart and lists the
// cart.
func addToCart(c *gin.Context) {
	c.String(http.StatusOK, "%s", shop.AddToCart(session.From(c.Request), c.Param("item")))
}

func main() {
	log.Fatal(shop.Serve(newRouter))
}
