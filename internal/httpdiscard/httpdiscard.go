// Package httpdiscard provides an http.ResponseWriter that throws away what
// a handler writes and keeps only the response header, for benchmarks that
// serve requests in process and count only the handler's allocations.
package httpdiscard

import "net/http"

// ResponseWriter discards the status and the body a handler writes; it
// keeps the header map, which Reset empties between requests without
// giving it up, so that a request served through it allocates nothing of
// the writer's own.
type ResponseWriter struct{ h http.Header }

// New returns a ResponseWriter with an empty header.
func New() *ResponseWriter { return &ResponseWriter{h: http.Header{}} }

// Header returns the header map, as http.ResponseWriter's does.
func (w *ResponseWriter) Header() http.Header { return w.h }

// Write discards p and reports it written.
func (w *ResponseWriter) Write(p []byte) (int, error) { return len(p), nil }

// WriteHeader discards the status code.
func (w *ResponseWriter) WriteHeader(int) {}

// Reset empties the header map, keeping its storage, for the next request.
func (w *ResponseWriter) Reset() { clear(w.h) }

// Cookies returns the cookies that the header sets (its Set-Cookie lines).
func (w *ResponseWriter) Cookies() []*http.Cookie {
	return (&http.Response{Header: w.h}).Cookies()
}
