package runtime

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
)

// ErrResponseReplaced is returned by the response writer's Write after a
// session error replaced the handler's response with the error handler's.
var ErrResponseReplaced = errors.New("runtime: response replaced by the session error handler")

// contextWithSession returns ctx carrying s for FromContext.
func contextWithSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// responseWriter saves the session just before the response headers go out,
// so its cookie can still be set.
type responseWriter struct {
	http.ResponseWriter
	req  *http.Request
	sess *Session

	status   int  // the final status, 0 until the headers go out
	failed   bool // the error handler wrote the response
	hijacked bool // the handler took over the connection
}

// WriteHeader saves the session, then sends the headers. Informational
// (1xx) headers pass through without a save.
func (w *responseWriter) WriteHeader(code int) {
	if w.failed {
		return
	}
	if w.status != 0 || (code < 200 && code != http.StatusSwitchingProtocols) {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
	if w.commit(code) {
		w.ResponseWriter.WriteHeader(code)
	}
}

// Write sends the headers first, with status 200, if they have not gone
// out.
func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, ErrResponseReplaced
	}
	return w.ResponseWriter.Write(p)
}

// Flush sends the headers, saving the session, and flushes what was
// written, when the underlying writer can.
func (w *responseWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.failed {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// ReadFrom sends the headers, saving the session, then copies from src,
// so the underlying writer can still use sendfile for static files.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, ErrResponseReplaced
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Hijack lets the handler take over the connection, as a WebSocket
// upgrade does. No cookie can be sent after it: changes to the session are
// saved when the handler returns only if they need none, as with any
// change made after the response started.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, rw, err
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// commit saves the session for a response with status code, setting its
// headers. On failure it replaces the response with the error handler's and
// reports false.
func (w *responseWriter) commit(code int) bool {
	res := w.sess.commit(code)
	h := w.ResponseWriter.Header()
	if res.err != nil {
		// The handler's headers describe a response that will not be sent.
		clear(h)
	}
	w.addHeaders(res)
	if res.err == nil {
		return true
	}
	w.failed = true
	w.logError(res.err)
	w.sess.mgr.errorHandler(w.ResponseWriter, w.req, res.err)
	return false
}

// addHeaders adds what the session needs to the response headers: Vary:
// Cookie (or the token header) for a response that depends on it, and the
// cookie (or the token header), on a response no shared cache may keep.
func (w *responseWriter) addHeaders(res commitResult) {
	h := w.ResponseWriter.Header()
	if res.vary {
		for _, field := range w.sess.mgr.varyOn() {
			addVary(h, field)
		}
	}
	if res.cookie != nil {
		makePrivate(h)
		w.sess.mgr.sendToken(w.ResponseWriter, res.cookie, res.viaHeader)
	}
}

// panicked runs when the handler panics: as for any 5xx response nothing is
// saved but a sign-out (Flush), which is written before the panic goes on,
// and its expired cookie is added to the headers if they have not gone out.
func (w *responseWriter) panicked() {
	if w.status != 0 || w.hijacked {
		if err := w.sess.commitLate(http.StatusInternalServerError); err != nil {
			w.logError(err)
		}
		return
	}
	w.status = http.StatusInternalServerError
	res := w.sess.commit(http.StatusInternalServerError)
	w.addHeaders(res)
	if res.err != nil {
		w.logError(res.err)
	}
}

// finish runs when the handler returns: it saves a session whose handler
// wrote nothing, or saves what changed after the response started.
func (w *responseWriter) finish() {
	switch {
	case w.hijacked:
		if err := w.sess.commitLate(http.StatusSwitchingProtocols); err != nil {
			w.logError(err)
		}
	case w.status == 0:
		w.status = http.StatusOK
		w.commit(http.StatusOK)
	case !w.failed:
		if err := w.sess.commitLate(w.status); err != nil {
			w.logError(err)
		}
	}
}

func (w *responseWriter) logError(err error) {
	w.sess.mgr.logger.LogAttrs(w.req.Context(), slog.LevelError, "session error",
		slog.String("method", w.req.Method),
		slog.String("path", w.req.URL.Path),
		slog.String("error", err.Error()))
}

// makePrivate marks a response that sets a session cookie as private to
// the browser, unless the handler already made it private or no-store: a
// shared cache that kept it would hand the cookie, and with it the
// session, to other users. A public directive and shared-cache lifetimes
// go.
func makePrivate(h http.Header) {
	var keep []string
	for _, v := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(v, ",") {
			d = strings.TrimSpace(d)
			name, _, _ := strings.Cut(strings.ToLower(d), "=")
			switch name {
			case "private", "no-store":
				return
			case "public", "s-maxage", "":
				continue
			}
			keep = append(keep, d)
		}
	}
	h.Set("Cache-Control", strings.Join(append([]string{"private"}, keep...), ", "))
}

// addVary adds field to the Vary header unless it is there.
func addVary(h http.Header, field string) {
	for _, v := range h.Values("Vary") {
		if slices.ContainsFunc(strings.Split(v, ","), func(f string) bool {
			f = strings.TrimSpace(f)
			return strings.EqualFold(f, field) || f == "*"
		}) {
			return
		}
	}
	h.Add("Vary", field)
}
