package admin

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/sessiongen/sessiongen/runtime"
)

// DefaultPageSize is how many sessions a list page shows unless
// Config.PageSize says otherwise.
const DefaultPageSize = 50

// maxFormBytes bounds a POSTed form.
const maxFormBytes = 16 << 10

// Config configures the admin page. Store and Authorize are required.
type Config struct {
	// Store is where the sessions are: *pgstore.Store, *memstore.Store
	// and *cachestore.Store have every ability the page uses.
	Store runtime.AdminStore
	// Authorize reports whether a request may use the admin page. It
	// runs first on every request; a request it refuses gets Forbidden's
	// response and nothing else happens. There is no default: New fails
	// when it is nil.
	Authorize func(*http.Request) bool
	// Forbidden responds to a request Authorize refused. The default is a
	// plain 403 Forbidden; an application may redirect to its sign-in
	// page instead.
	Forbidden http.Handler
	// Keys describes the session schema, as the generated Keys function
	// returns it: the detail view labels each key with its Go type and
	// doc, and redacts the sensitive ones. Without it every key is shown
	// raw, as unknown to the schema.
	Keys []runtime.KeyInfo
	// PageSize is how many sessions a list page shows; DefaultPageSize
	// when <= 0.
	PageSize int
	// Logger receives the store's errors; slog.Default() when nil.
	Logger *slog.Logger
}

// ErrNoAuthorize is returned by New for a Config without an Authorize
// function: the admin page is never open to everyone by default.
var ErrNoAuthorize = errors.New("admin: Config.Authorize is required (return true only for staff)")

// Handler serves the admin page. It is safe for concurrent use.
type Handler struct {
	store     runtime.AdminStore
	authorize func(*http.Request) bool
	forbidden http.Handler
	keys      map[string]runtime.KeyInfo
	order     []string // declared key names, in declaration order
	pageSize  int
	log       *slog.Logger
	cop       *http.CrossOriginProtection
	mux       *http.ServeMux
	pages     map[string]*template.Template
}

//go:embed templates/*.html templates/style.css
var templateFS embed.FS

// stylesheet is the page's CSS, served as a file so that the
// Content-Security-Policy can forbid inline styles and scripts.
var stylesheet = func() []byte {
	b, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		panic(err)
	}
	return b
}()

// New returns the admin page for c. It fails when c has no Store or no
// Authorize function.
func New(c Config) (*Handler, error) {
	if c.Authorize == nil {
		return nil, ErrNoAuthorize
	}
	if c.Store == nil {
		return nil, errors.New("admin: Config.Store is required")
	}
	h := &Handler{
		store:     c.Store,
		authorize: c.Authorize,
		forbidden: c.Forbidden,
		keys:      map[string]runtime.KeyInfo{},
		pageSize:  c.PageSize,
		log:       c.Logger,
		cop:       http.NewCrossOriginProtection(),
		pages:     map[string]*template.Template{},
	}
	if h.forbidden == nil {
		h.forbidden = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "403 forbidden: you may not use the session admin", http.StatusForbidden)
		})
	}
	if h.pageSize <= 0 {
		h.pageSize = DefaultPageSize
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	for _, k := range c.Keys {
		if _, dup := h.keys[k.Name]; !dup {
			h.order = append(h.order, k.Name)
		}
		h.keys[k.Name] = k
	}
	for _, name := range []string{"list", "detail", "message"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/forms.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("admin: parse templates: %w", err)
		}
		h.pages[name] = t
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /{$}", h.list)
	h.mux.HandleFunc("GET /session", h.detail)
	h.mux.HandleFunc("GET /style.css", serveStyle)
	h.mux.HandleFunc("POST /find", h.find)
	h.mux.HandleFunc("POST /delete", h.deleteSession)
	h.mux.HandleFunc("POST /delete-expired", h.deleteExpired)
	h.mux.HandleFunc("POST /signout-user", h.signOutUser)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.message(w, r, http.StatusNotFound, "Not found", "There is no such page in the session admin.")
	})
	return h, nil
}

// ServeHTTP serves the admin page. r.URL.Path is relative to where the
// page is mounted: "/" is the list (strip the mount prefix with
// http.StripPrefix).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if !h.authorize(r) {
		h.forbidden.ServeHTTP(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/") {
		// Mounted with http.StripPrefix("/admin/", ...).
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path, u.RawPath = "/"+u.Path, ""
		r2.URL = &u
		r = r2
	}
	if err := h.cop.Check(r); err != nil {
		h.message(w, r, http.StatusForbidden, "Refused", "This form came from another site, so it was not carried out.")
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.message(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
			return
		}
		if !validToken(r) {
			h.message(w, r, http.StatusForbidden, "Refused",
				"This form is stale or did not come from the session admin, so it was not carried out. Go back, reload the page and try again.")
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// serveStyle serves the stylesheet.
func serveStyle(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(stylesheet)
}
