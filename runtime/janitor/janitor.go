// Package janitor removes expired sessions in the background, on an
// interval, from any runtime.ExpiredDeleter: *pgstore.Store,
// *memstore.Store, and *cachestore.Store over either.
//
// Expired sessions already read as absent; the janitor only keeps their
// rows from piling up. Run it in one goroutine per process (several
// processes may run it at once: pgstore's batches skip rows another one
// holds):
//
//	stop := janitor.Start(ctx, store, time.Hour)
//	defer stop()
//
// or, in a goroutine the application manages itself, janitor.Run, which
// returns when its context is done. To clear expired sessions once, from a
// cron job, use `sessiongen clearsessions`.
package janitor

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// DefaultInterval is the interval Run and Start use when given none.
const DefaultInterval = time.Hour

// config is what the options set.
type config struct {
	batchSize int
	logger    *slog.Logger
}

// Option configures Run and Start.
type Option func(*config)

// WithBatchSize sets how many sessions each statement deletes at most;
// runtime.DefaultBatchSize when n <= 0, the rule of every batch size.
func WithBatchSize(n int) Option { return func(c *config) { c.batchSize = n } }

// WithLogger sets where the janitor reports what it removed and what
// failed; slog.Default() without it.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Run deletes expired sessions from store at once and then every interval
// (DefaultInterval when interval <= 0), until ctx is done; then it returns.
// Each run is logged at level Info with the number of sessions removed
// (Debug when none were); a failed run is logged at level Error and the
// next one is tried at the next tick, so a database outage does not stop
// the janitor.
func Run(ctx context.Context, store runtime.ExpiredDeleter, interval time.Duration, opts ...Option) {
	c := config{logger: slog.Default()}
	for _, o := range opts {
		o(&c)
	}
	if interval <= 0 {
		interval = DefaultInterval
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		c.once(ctx, store)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// once runs one clearing and logs its outcome.
func (c *config) once(ctx context.Context, store runtime.ExpiredDeleter) {
	start := time.Now()
	n, err := store.DeleteExpired(ctx, c.batchSize)
	elapsed := slog.Duration("duration", time.Since(start))
	switch {
	case err != nil && ctx.Err() != nil:
		// Stopping: not a failure. Say what was done before.
		if n > 0 {
			c.logger.LogAttrs(context.WithoutCancel(ctx), slog.LevelInfo, "janitor: expired sessions deleted before stopping", slog.Int64("deleted", n), elapsed)
		}
	case err != nil:
		c.logger.LogAttrs(ctx, slog.LevelError, "janitor: deleting expired sessions failed", slog.Int64("deleted", n), slog.String("error", err.Error()), elapsed)
	case n > 0:
		c.logger.LogAttrs(ctx, slog.LevelInfo, "janitor: expired sessions deleted", slog.Int64("deleted", n), elapsed)
	default:
		c.logger.LogAttrs(ctx, slog.LevelDebug, "janitor: no expired sessions", elapsed)
	}
}

// Start runs Run in a new goroutine and returns a function that stops it
// and waits until it has returned. Cancelling ctx stops it too; the
// returned function may be called any number of times.
func Start(ctx context.Context, store runtime.ExpiredDeleter, interval time.Duration, opts ...Option) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, store, interval, opts...)
	}()
	var once sync.Once
	return func() {
		once.Do(cancel)
		<-done
	}
}
