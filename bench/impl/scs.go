package impl

import (
	"context"
	"net/http"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
)

// scsTable is pgxstore's schema, which pgxstore does not create itself,
// under a table name of the benchmark's own.
var scsTable = blobTable("scs_sessions", "token", "TEXT", "expiry")

// scsImpl serves the routes with scs v2 and its pgxstore: the gob codec,
// tokens hashed in the store (as sessiongen's are), no idle timeout (with
// one, every request that loads a session also writes it), and no
// background clean-up during the run.
type scsImpl struct{ pooled }

func newSCS(ctx context.Context, cfg Config) (*scsImpl, error) {
	pool, err := newPool(ctx, cfg, "", createTables(scsTable))
	if err != nil {
		return nil, err
	}
	h := scsHandler(pgxstore.NewWithConfig(pool, pgxstore.Config{TableName: "scs_sessions", CleanUpInterval: 0}))
	return &scsImpl{pooled{pool, h}}, nil
}

// scsHandler serves the routes with a session manager of scs over store:
// the gob codec, tokens hashed in the store, no idle timeout, the
// benchmark's Lifetime.
func scsHandler(store scs.Store) http.Handler {
	sm := scs.New()
	sm.Store = store
	sm.Lifetime = Lifetime
	sm.IdleTimeout = 0
	sm.HashTokenInStore = true
	sm.Cookie.Name = "session"

	mux := http.NewServeMux()
	mux.HandleFunc("/nosession", func(w http.ResponseWriter, r *http.Request) {
		writeOK(w)
	})
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		writeRead(w, sm.GetString(ctx, "name"), sm.GetInt(ctx, "count"))
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		n := sm.GetInt(ctx, "count") + 1
		sm.Put(ctx, "count", n)
		writeInt(w, n)
	})
	mux.HandleFunc("/read-large", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		writeLarge(w, sm.GetString(ctx, "k00"), sm.GetString(ctx, "k49"))
	})
	mux.HandleFunc("/write-large", func(w http.ResponseWriter, r *http.Request) {
		v := nextLargeValue()
		sm.Put(r.Context(), "k00", v)
		_, _ = w.Write([]byte(v))
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := sm.RenewToken(ctx); err != nil {
			fail(w, err)
			return
		}
		sm.Put(ctx, "user_id", int64(LoginUserID))
		writeOK(w)
	})
	mux.HandleFunc("/seed-small", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		sm.Put(ctx, "count", 0)
		sm.Put(ctx, "name", SmallName)
		writeOK(w)
	})
	mux.HandleFunc("/seed-large", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		for i := range NumLargeKeys {
			sm.Put(ctx, LargeKey(i), LargeValue(i))
		}
		writeOK(w)
	})
	return sm.LoadAndSave(mux)
}

func (x *scsImpl) CookieName() string { return "session" }
func (x *scsImpl) Table() string      { return "scs_sessions" }
