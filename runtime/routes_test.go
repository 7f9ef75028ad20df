package runtime_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// routes is the application the middleware tests drive: each route does
// one thing to the session through the runtime's helpers, the way
// generated accessors do.
func routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/nothing", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		v, ok := runtime.Get[string](runtime.FromRequest(r), r.FormValue("k"))
		if !ok {
			v = "<none>"
		}
		io.WriteString(w, v)
	})
	mux.HandleFunc("/getint", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		// Read twice: a value that does not decode is logged once.
		runtime.Get[int64](s, r.FormValue("k"))
		v, ok := runtime.Get[int64](s, r.FormValue("k"))
		if !ok {
			io.WriteString(w, "<none>")
			return
		}
		fmt.Fprint(w, v)
	})
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), r.FormValue("k"), r.FormValue("v"))
		io.WriteString(w, "set")
	})
	mux.HandleFunc("/set-then-fail", func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), r.FormValue("k"), r.FormValue("v"))
		code, _ := strconv.Atoi(r.FormValue("code"))
		http.Error(w, "boom", code)
	})
	mux.HandleFunc("/set-late", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "written first")
		runtime.Set(runtime.FromRequest(r), r.FormValue("k"), r.FormValue("v"))
	})
	mux.HandleFunc("/set-flush", func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), r.FormValue("k"), r.FormValue("v"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "flushed")
	})
	mux.HandleFunc("/del", func(w http.ResponseWriter, r *http.Request) {
		runtime.Delete(runtime.FromRequest(r), r.FormValue("k"))
		io.WriteString(w, "deleted")
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).Flush()
		io.WriteString(w, "flushed")
	})
	mux.HandleFunc("/cycle", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).CycleKey()
		io.WriteString(w, "cycled")
	})
	mux.HandleFunc("/expiry", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		runtime.Set(s, "k", "v")
		secs, _ := strconv.Atoi(r.FormValue("s"))
		ms, _ := strconv.Atoi(r.FormValue("ms"))
		d := time.Duration(secs)*time.Second + time.Duration(ms)*time.Millisecond
		switch r.FormValue("mode") {
		case "after":
			s.SetExpiry(runtime.ExpireAfter(d))
		case "at":
			s.SetExpiry(runtime.ExpireAt(time.Now().Add(d)))
		case "browser":
			s.SetExpiry(runtime.ExpireAtBrowserClose())
		case "default":
			s.SetExpiry(runtime.ExpireDefault())
		}
		fmt.Fprintf(w, "%d %v", int(s.ExpiryAge().Round(time.Second)/time.Second), s.ExpiresAtBrowserClose())
	})
	mux.HandleFunc("/testcookie/set", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).SetTestCookie()
	})
	mux.HandleFunc("/testcookie/check", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, runtime.FromRequest(r).TestCookieWorked())
	})
	mux.HandleFunc("/testcookie/delete", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).DeleteTestCookie()
	})
	mux.HandleFunc("/touch", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).MarkModified()
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, runtime.FromRequest(r).IsEmpty())
	})
	mux.HandleFunc("/set-and-read-colour", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		runtime.GetRenamed[string](s, "colour", "color", "hue")
		runtime.Set(s, "seen", "yes")
	})
	return mux
}

// renameRoutes add the routes of a schema in which "colour" was renamed
// from "color" and before that from "hue".
func renameRoutes(mux *http.ServeMux) *http.ServeMux {
	mux.HandleFunc("/colour", func(w http.ResponseWriter, r *http.Request) {
		v, ok := runtime.GetRenamed[string](runtime.FromRequest(r), "colour", "color", "hue")
		if !ok {
			v = "<none>"
		}
		io.WriteString(w, v)
	})
	return mux
}

// routesWith returns routes with one more route: pattern, served by h, a
// handler of the test's own.
func routesWith(pattern string, h http.HandlerFunc) *http.ServeMux {
	mux := routes()
	mux.HandleFunc(pattern, h)
	return mux
}
