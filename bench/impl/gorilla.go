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
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, gorillaCookie)
		if err != nil {
			fail(w, err)
			return
		}
		name, _ := s.Values["name"].(string)
		count, _ := s.Values["count"].(int)
		writeRead(w, name, count)
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, gorillaCookie)
		if err != nil {
			fail(w, err)
			return
		}
		count, _ := s.Values["count"].(int)
		s.Values["count"] = count + 1
		if err := s.Save(r, w); err != nil {
			fail(w, err)
			return
		}
		writeInt(w, count+1)
	})
	mux.HandleFunc("/read-large", func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, gorillaCookie)
		if err != nil {
			fail(w, err)
			return
		}
		k00, _ := s.Values["k00"].(string)
		k49, _ := s.Values["k49"].(string)
		writeLarge(w, k00, k49)
	})
	mux.HandleFunc("/write-large", func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, gorillaCookie)
		if err != nil {
			fail(w, err)
			return
		}
		v := nextLargeValue()
		s.Values["k00"] = v
		if err := s.Save(r, w); err != nil {
			fail(w, err)
			return
		}
		_, _ = w.Write([]byte(v))
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		old, err := store.Get(r, gorillaCookie)
		if err != nil {
			fail(w, err)
			return
		}
		// gorilla/sessions cannot change a session's ID: delete the
		// session (MaxAge < 0), then save its values as a new one.
		old.Options.MaxAge = -1
		if err := old.Save(r, w); err != nil {
			fail(w, err)
			return
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
			fail(w, err)
			return
		}
		writeOK(w)
	})
	mux.HandleFunc("/seed-small", func(w http.ResponseWriter, r *http.Request) {
		s, err := store.New(r, gorillaCookie)
		if err != nil {
			fail(w, err)
			return
		}
		s.Values["count"] = 0
		s.Values["name"] = SmallName
		if err := s.Save(r, w); err != nil {
			fail(w, err)
			return
		}
		writeOK(w)
	})
	mux.HandleFunc("/seed-large", func(w http.ResponseWriter, r *http.Request) {
		s, err := store.New(r, gorillaCookie)
		if err != nil {
			fail(w, err)
			return
		}
		for i := range NumLargeKeys {
			s.Values[LargeKey(i)] = LargeValue(i)
		}
		if err := s.Save(r, w); err != nil {
			fail(w, err)
			return
		}
		writeOK(w)
	})
	g.h = mux
	return g, nil
}

func (x *gorillaImpl) Handler() http.Handler { return x.h }
func (x *gorillaImpl) CookieName() string    { return gorillaCookie }
func (x *gorillaImpl) Table() string         { return "gorilla_sessions" }
func (x *gorillaImpl) Close() {
	if db, err := x.db.DB(); err == nil {
		_ = db.Close()
	}
}
