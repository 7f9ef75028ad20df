package impl

import (
	"context"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// SessiongenIdle is the sessiongen implementation with an idle timeout
// (runtime.WithIdleTimeout), over pgstore in a table of its own, its
// store wrapped by wrap, so that a caller can count the writes the
// timeout's refreshes cost (cmd/idlewrites).
type SessiongenIdle struct{ pooled }

// NewSessiongenIdle returns sessiongen's routes through a manager with the
// benchmark's Lifetime and an idle timeout of idle, over pgstore wrapped
// by wrap.
func NewSessiongenIdle(ctx context.Context, cfg Config, idle time.Duration, wrap func(runtime.Store) runtime.Store) (*SessiongenIdle, error) {
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 8
	}
	pool, err := newPool(ctx, cfg, "idle", migrate)
	if err != nil {
		return nil, err
	}
	mgr, err := runtime.NewManager(wrap(pgstore.New(pool)), runtime.WithCookieAge(Lifetime), runtime.WithIdleTimeout(idle))
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &SessiongenIdle{pooled{pool, mgr.Middleware(sessiongenRoutes())}}, nil
}

// CookieName returns the session cookie's name.
func (x *SessiongenIdle) CookieName() string { return runtime.DefaultCookieName }

// Table returns the table of the sessions, in schema idle.
func (x *SessiongenIdle) Table() string { return "idle.sessiongen_sessions" }
