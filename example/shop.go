package main

import (
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/sessiongen/sessiongen/example/catalog"
	"github.com/sessiongen/sessiongen/example/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/admin"
)

//go:embed templates/*.html
var templateFS embed.FS

// rememberFor is how long "remember me" keeps a user signed in.
const rememberFor = 30 * 24 * time.Hour

// accounts are the shop's demo users and their passwords.
var accounts = map[string]string{"alice": "wonderland", "bob": "builder"}

// adminUser is the one account that may open the session admin at /admin/.
const adminUser = "alice"

// shop serves the example's pages. Every handler reaches the session
// through the generated accessors only.
type shop struct {
	pages   map[string]*template.Template
	log     *slog.Logger
	devices runtime.UserStore // for the "your devices" page
	admin   *admin.Handler
}

// newShop returns the shop, keeping sessions in st: one store serves the
// manager, the admin page, the janitor and the devices page, as
// memstore.Store and pgstore.Store both can.
func newShop(log *slog.Logger, st runtime.AdminStore) (*shop, error) {
	s := &shop{pages: map[string]*template.Template{}, log: log, devices: st}
	for _, name := range []string{"home", "cart", "signin", "devices", "account"} {
		s.pages[name] = template.Must(template.New("layout.html").Funcs(template.FuncMap{
			"price": catalog.FormatCents,
		}).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	adm, err := admin.New(admin.Config{
		Store: st,
		Keys:  session.Keys(),
		// Only alice, signed in, may use the session admin.
		Authorize: func(r *http.Request) bool {
			user, ok := session.From(r).BoundUser()
			return ok && user == adminUser
		},
		Forbidden: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "403 forbidden: the session admin is for alice only; sign in as alice at /signin", http.StatusForbidden)
		}),
		Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("session admin: %w", err)
	}
	s.admin = adm
	return s, nil
}

// handler returns the shop's routes behind the session middleware and
// cross-origin protection for its forms, with the session admin at /admin/.
func (s *shop) handler(mgr *runtime.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/admin/", http.StripPrefix("/admin", s.admin))
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /cart", s.cart)
	mux.HandleFunc("POST /cart/add", s.addToCart)
	mux.HandleFunc("POST /cart/remove", s.removeFromCart)
	mux.HandleFunc("GET /signin", s.signInForm)
	mux.HandleFunc("POST /signin", s.signIn)
	mux.HandleFunc("POST /signout", s.signOut)
	mux.HandleFunc("POST /theme", s.setTheme)
	mux.HandleFunc("GET /devices", s.devicesPage)
	mux.HandleFunc("POST /devices/signout-others", s.signOutOthers)
	mux.HandleFunc("POST /devices/signout-everywhere", s.signOutEverywhere)
	mux.Handle("GET /devices/events", s.deviceEvents(mgr))
	s.accountRoutes(mux, mgr)
	return http.NewCrossOriginProtection().Handler(mgr.Middleware(mux))
}

// page is what every template receives.
type page struct {
	Theme     string
	User      string
	Admin     bool // the user may open the session admin
	Notice    string
	CartCount int
	Products  []catalog.Product
	Lines     []line
	Total     string
	Error     string
	Next      string // the sign-in form's way back (runtime.NextParam), safe
	Session   panel
	Devices   []device
}

// device is one of the signed-in user's sessions, on the devices page.
type device struct {
	UserAgent string
	SignedIn  time.Time
	LastUsed  time.Time
	Expires   time.Time
	Current   bool // the session of this request
}

// line is a cart line ready to show.
type line struct {
	Product  catalog.Product
	Quantity int
	Subtotal string
}

// panel shows how the session will expire.
type panel struct {
	ExpiryDate     time.Time
	ExpiryAge      time.Duration
	AtBrowserClose bool
	SignedInAt     time.Time
}

// newPage fills the parts every page shows, popping the one-time notice.
func newPage(sess *session.Session) page {
	notice, _ := sess.PopNotice()
	signedIn, _ := sess.LookupSignedInAt()
	user := sess.UserName()
	return page{
		Theme:     sess.Theme(),
		User:      user,
		Admin:     user == adminUser,
		Notice:    notice,
		CartCount: catalog.Count(sess.Cart()),
		Session: panel{
			ExpiryDate:     sess.ExpiryDate().Round(time.Second),
			ExpiryAge:      sess.ExpiryAge().Round(time.Second),
			AtBrowserClose: sess.ExpiresAtBrowserClose(),
			SignedInAt:     signedIn,
		},
	}
}

func (s *shop) render(w http.ResponseWriter, name string, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages[name].Execute(w, p); err != nil {
		s.log.Error("render page", "page", name, "error", err)
	}
}

// back redirects to the page the form was on, with a notice.
func back(w http.ResponseWriter, r *http.Request, sess *session.Session, notice, to string) {
	sess.SetNotice(notice)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *shop) home(w http.ResponseWriter, r *http.Request) {
	p := newPage(session.From(r))
	p.Products = catalog.Products
	s.render(w, "home", http.StatusOK, p)
}

func (s *shop) cart(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	p := newPage(sess)
	var total int64
	for _, l := range sess.Cart() {
		prod, ok := catalog.Lookup(l.ProductID)
		if !ok {
			continue // a product the shop no longer sells
		}
		sub := prod.PriceCents * int64(l.Quantity)
		total += sub
		p.Lines = append(p.Lines, line{Product: prod, Quantity: l.Quantity, Subtotal: catalog.FormatCents(sub)})
	}
	p.Total = catalog.FormatCents(total)
	s.render(w, "cart", http.StatusOK, p)
}

func (s *shop) addToCart(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	prod, ok := catalog.Lookup(r.FormValue("product"))
	if !ok {
		back(w, r, sess, "That product does not exist.", "/")
		return
	}
	sess.UpdateCart(func(cart []catalog.CartLine) []catalog.CartLine {
		return catalog.Add(cart, prod.ID)
	})
	back(w, r, sess, prod.Name+" added to your cart.", "/")
}

func (s *shop) removeFromCart(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	prod, ok := catalog.Lookup(r.FormValue("product"))
	if !ok {
		back(w, r, sess, "That product does not exist.", "/cart")
		return
	}
	sess.UpdateCart(func(cart []catalog.CartLine) []catalog.CartLine {
		return catalog.Remove(cart, prod.ID)
	})
	if len(sess.Cart()) == 0 {
		// An empty cart goes, so that a session left with nothing ends.
		// Unlike the update, the deletion is last writer wins: an add
		// in another tab at the same moment may be lost with it.
		sess.DeleteCart()
	}
	back(w, r, sess, prod.Name+" removed from your cart.", "/cart")
}

func (s *shop) signInForm(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	// The form's POST checks that this came back: cookies are on.
	sess.SetTestCookie()
	p := newPage(sess)
	p.Next = runtime.SafeNext(r.URL.Query().Get(runtime.NextParam), "")
	s.render(w, "signin", http.StatusOK, p)
}

func (s *shop) signIn(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	p := newPage(sess)
	// Only a path on this site: a link someone else crafted must not
	// send the user elsewhere once signed in.
	p.Next = runtime.SafeNext(r.FormValue(runtime.NextParam), "")
	if !sess.TestCookieWorked() {
		p.Error = "Your browser is not accepting cookies. Enable them, reload this page, and sign in again."
		s.render(w, "signin", http.StatusBadRequest, p)
		return
	}
	name := r.FormValue("name")
	if want, ok := accounts[name]; !ok || want != r.FormValue("password") {
		p.Error = "Wrong name or password."
		s.render(w, "signin", http.StatusUnauthorized, p)
		return
	}
	sess.DeleteTestCookie()
	// SignIn cycles the key, so a token planted before sign-in is
	// worthless after it, and binds the session to the user, for the
	// devices page.
	sess.SignIn(name)
	sess.SetUserName(name)
	sess.SetSignedInAt(time.Now().UTC().Truncate(time.Second))
	if r.FormValue("remember") != "" {
		sess.SetExpiry(runtime.ExpireAfter(rememberFor))
	} else {
		sess.SetExpiry(runtime.ExpireAtBrowserClose())
	}
	back(w, r, sess, "Welcome, "+name+".", runtime.SafeNext(p.Next, "/"))
}

func (s *shop) signOut(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	sess.Flush()
	back(w, r, sess, "You are signed out.", "/")
}

func (s *shop) setTheme(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r)
	switch theme := r.FormValue("theme"); theme {
	case "light", "dark":
		sess.SetTheme(theme)
		back(w, r, sess, "Theme set to "+theme+".", runtime.SafeNext(r.FormValue("next"), "/"))
	default:
		back(w, r, sess, "Unknown theme.", "/")
	}
}
