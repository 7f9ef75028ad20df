package impl

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/bench/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// sessiongenImpl serves the routes with the accessors generated from
// ../session/sessions.yaml, over pgstore, with the runtime's defaults.
type sessiongenImpl struct{ pooled }

func newSessiongen(ctx context.Context, cfg Config) (*sessiongenImpl, error) {
	pool, err := newPool(ctx, cfg, "", migrate)
	if err != nil {
		return nil, err
	}
	h, err := sessiongenHandler(pgstore.New(pool))
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &sessiongenImpl{pooled{pool, h}}, nil
}

// migrate is newPool's setup for pgstore: it creates pgstore's table.
func migrate(ctx context.Context, pool *pgxpool.Pool) error { return pgstore.Migrate(ctx, pool) }

// sessiongenHandler serves sessiongenRoutes through a manager of store with
// the runtime's defaults and the benchmark's Lifetime.
func sessiongenHandler(store runtime.Store) (http.Handler, error) {
	mgr, err := runtime.NewManager(store, runtime.WithCookieAge(Lifetime))
	if err != nil {
		return nil, err
	}
	return mgr.Middleware(sessiongenRoutes()), nil
}

// sessiongenRoutes are the routes, through the generated accessors.
func sessiongenRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/nosession", func(w http.ResponseWriter, r *http.Request) {
		writeOK(w)
	})
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		writeRead(w, s.Name(), s.Count())
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		n := s.Count() + 1
		s.SetCount(n)
		writeInt(w, n)
	})
	// /update is /write through the generated Update accessor, a
	// compare-and-set of count. Only sessiongen serves it: benchrun counts
	// its round trips, to check that the accessor adds none when no
	// concurrent request conflicts, but does not load it.
	mux.HandleFunc("/update", func(w http.ResponseWriter, r *http.Request) {
		var n int
		session.From(r).UpdateCount(func(v int) int { n = v + 1; return n })
		writeInt(w, n)
	})
	mux.HandleFunc("/read-large", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		writeLarge(w, s.K00(), s.K49())
	})
	mux.HandleFunc("/write-large", func(w http.ResponseWriter, r *http.Request) {
		v := nextLargeValue()
		session.From(r).SetK00(v)
		_, _ = w.Write([]byte(v))
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.CycleKey()
		s.SetUserID(LoginUserID)
		writeOK(w)
	})
	mux.HandleFunc("/seed-small", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.SetCount(0)
		s.SetName(SmallName)
		writeOK(w)
	})
	mux.HandleFunc("/seed-large", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		for i, set := range largeSetters {
			set(s, LargeValue(i))
		}
		writeOK(w)
	})
	return mux
}

func (x *sessiongenImpl) CookieName() string { return runtime.DefaultCookieName }
func (x *sessiongenImpl) Table() string      { return "sessiongen_sessions" }

// largeSetters are the generated setters of k00..k49, in order.
var largeSetters = []func(*session.Session, string){
	(*session.Session).SetK00,
	(*session.Session).SetK01,
	(*session.Session).SetK02,
	(*session.Session).SetK03,
	(*session.Session).SetK04,
	(*session.Session).SetK05,
	(*session.Session).SetK06,
	(*session.Session).SetK07,
	(*session.Session).SetK08,
	(*session.Session).SetK09,
	(*session.Session).SetK10,
	(*session.Session).SetK11,
	(*session.Session).SetK12,
	(*session.Session).SetK13,
	(*session.Session).SetK14,
	(*session.Session).SetK15,
	(*session.Session).SetK16,
	(*session.Session).SetK17,
	(*session.Session).SetK18,
	(*session.Session).SetK19,
	(*session.Session).SetK20,
	(*session.Session).SetK21,
	(*session.Session).SetK22,
	(*session.Session).SetK23,
	(*session.Session).SetK24,
	(*session.Session).SetK25,
	(*session.Session).SetK26,
	(*session.Session).SetK27,
	(*session.Session).SetK28,
	(*session.Session).SetK29,
	(*session.Session).SetK30,
	(*session.Session).SetK31,
	(*session.Session).SetK32,
	(*session.Session).SetK33,
	(*session.Session).SetK34,
	(*session.Session).SetK35,
	(*session.Session).SetK36,
	(*session.Session).SetK37,
	(*session.Session).SetK38,
	(*session.Session).SetK39,
	(*session.Session).SetK40,
	(*session.Session).SetK41,
	(*session.Session).SetK42,
	(*session.Session).SetK43,
	(*session.Session).SetK44,
	(*session.Session).SetK45,
	(*session.Session).SetK46,
	(*session.Session).SetK47,
	(*session.Session).SetK48,
	(*session.Session).SetK49,
}
