package impl

import (
	"context"
	"net/http"

	"github.com/gorilla/sessions"
	"github.com/wader/gormstore/v2"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gorillaCookie is the gorilla session's name, and its cookie's.
const gorillaCookie = "gsession"

// gorillaHashKey authenticates gorilla's cookie (securecookie HMAC). The
// cookie is not encrypted, as no other implementation encrypts.
var gorillaHashKey = []byte("benchmark-hash-key-32-bytes-long")

// gorillaImpl serves the routes with gorilla/sessions over gormstore
// (gorm with its pgx-based PostgreSQL driver). gormstore stores the
// securecookie encoding (gob, HMAC, base64) of the values; it has no way to
// give a session a new ID, so /login deletes the session and saves its
// values under a new one. gorm runs without its default transaction around
// each write (SkipDefaultTransaction, gorm's own performance advice) and
// with the same number of connections as the pgx pools.
type gorillaImpl struct {
	db    *gorm.DB
	store *gormstore.Store
	h     http.Handler
}

func newGorilla(_ context.Context, cfg Config) (*gorillaImpl, error) {
	db, err := gorm.Open(postgres.Open(cfg.DSN), &gorm.Config{
		SkipDefaultTransaction: true,
		Logger:                 logger.Default.LogMode(logger.Silent),
	})
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(int(cfg.PoolSize))
	sqlDB.SetMaxIdleConns(int(cfg.PoolSize))
	// NewOptions creates the table (AutoMigrate) when it is missing.
	store := gormstore.NewOptions(db, gormstore.Options{TableName: "gorilla_sessions"}, gorillaHashKey)
	store.MaxLength(0) // securecookie's 4096-byte default refuses the large session
	store.SessionOpts.HttpOnly = true
	store.SessionOpts.SameSite = http.SameSiteLaxMode
	store.MaxAge(int(Lifetime.Seconds()))
	if err := db.Error; err != nil {
		return nil, err
	}
	g := &gorillaImpl{db: db, store: store}

	mux := http.NewServeMux()
	mux.HandleFunc("/nosession", func(w http.ResponseWriter, r *http.Request) {
		writeOK(w)
	})
	mux.HandleFunc("/read", gorillaRoute(store.Get, func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
		writeRead(w, gorillaValue[string](s, "name"), gorillaValue[int](s, "count"))
		return nil
	}))
	mux.HandleFunc("/write", gorillaRoute(store.Get, func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
		n := gorillaValue[int](s, "count") + 1
		s.Values["count"] = n
		if err := s.Save(r, w); err != nil {
			return err
		}
		writeInt(w, n)
		return nil
	}))
	mux.HandleFunc("/read-large", gorillaRoute(store.Get, func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
		writeLarge(w, gorillaValue[string](s, "k00"), gorillaValue[string](s, "k49"))
		return nil
	}))
	mux.HandleFunc("/write-large", gorillaRoute(store.Get, func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
		v := nextLargeValue()
		s.Values["k00"] = v
		if err := s.Save(r, w); err != nil {
			return err
		}
		_, _ = w.Write([]byte(v))
		return nil
	}))
	mux.HandleFunc("/login", gorillaRoute(store.Get, func(w http.ResponseWriter, r *http.Request, old *sessions.Session) error {
		// gorilla/sessions cannot change a session's ID: delete the
		// session (MaxAge < 0), then save its values as a new one.
		old.Options.MaxAge = -1
		if err := old.Save(r, w); err != nil {
			return err
		}
		s := sessions.NewSession(store, gorillaCookie)
		opts := *store.SessionOpts
		s.Options = &opts
		s.IsNew = true
		for k, v := range old.Values {
			s.Values[k] = v
		}
		s.Values["user_id"] = int64(LoginUserID)
		if err := s.Save(r, w); err != nil {
			return err
		}
		writeOK(w)
		return nil
	}))
	mux.HandleFunc("/seed-small", gorillaRoute(store.New, func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
		s.Values["count"] = 0
		s.Values["name"] = SmallName
		if err := s.Save(r, w); err != nil {
			return err
		}
		writeOK(w)
		return nil
	}))
	mux.HandleFunc("/seed-large", gorillaRoute(store.New, func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
		for i := range NumLargeKeys {
			s.Values[LargeKey(i)] = LargeValue(i)
		}
		if err := s.Save(r, w); err != nil {
			return err
		}
		writeOK(w)
		return nil
	}))
	g.h = mux
	return g, nil
}

// gorillaRoute serves route with the session that get returns for the
// request: store.Get for the one its cookie names (a new one when there is
// none), store.New for a new one. An error of get or of route answers 500.
func gorillaRoute(get func(*http.Request, string) (*sessions.Session, error), route func(http.ResponseWriter, *http.Request, *sessions.Session) error) http.HandlerFunc {
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		s, err := get(r, gorillaCookie)
		if err != nil {
			return err
		}
		return route(w, r, s)
	})
}

// gorillaValue returns the value of s under key if it is a T, else T's
// zero value.
func gorillaValue[T any](s *sessions.Session, key string) T {
	v, _ := s.Values[key].(T)
	return v
}

func (x *gorillaImpl) Handler() http.Handler { return x.h }
func (x *gorillaImpl) CookieName() string    { return gorillaCookie }
func (x *gorillaImpl) Table() string         { return "gorilla_sessions" }
func (x *gorillaImpl) Close() {
	if db, err := x.db.DB(); err == nil {
		_ = db.Close()
	}
}
