package pgstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore/internal/db"
)

// DefaultEventChannel is the PostgreSQL NOTIFY channel of lifecycle
// events (WithEvents), unless WithEventChannel names another.
const DefaultEventChannel = "sessiongen_events"

// maxPayload bounds the bytes of one NOTIFY payload: PostgreSQL refuses
// 8000 or more. Events are packed into payloads of at most this size.
const maxPayload = 7900

// Listener reconnection backoff bounds.
const (
	minListenBackoff = 100 * time.Millisecond
	maxListenBackoff = 5 * time.Second
)

// ErrNoEvents is returned by Publish and Subscribe on a store built
// without WithEvents.
var ErrNoEvents = errors.New("pgstore: lifecycle events are not enabled (WithEvents)")

// Option changes a setting of a Store.
type Option func(*Store)

// events is a Store's lifecycle events settings.
type events struct {
	channel string
	listen  *pgx.ConnConfig // the listener's connection; nil: one of the pool's
	log     *slog.Logger
}

func (s *Store) eventSettings() *events {
	if s.events == nil {
		s.events = &events{channel: DefaultEventChannel, log: slog.Default()}
	}
	return s.events
}

// WithEvents makes the store a runtime.EventBus over PostgreSQL's
// LISTEN/NOTIFY (default off): Publish sends events with pg_notify, and
// Subscribe listens on a connection of its own, so every instance of an
// application receives every instance's events. DeleteExpired and
// DeleteUserSessions then publish the ends they make in the transaction
// that deletes the sessions, so they are sent if and only if it commits;
// each batch of DeleteExpired becomes a transaction of two statements.
// Load, Create, Update, Cycle and Delete are unchanged.
func WithEvents() Option { return func(s *Store) { s.eventSettings() } }

// WithEventChannel is WithEvents on the NOTIFY channel name instead of
// DefaultEventChannel: channels are per database, so applications (or
// tests) that share one tell their events apart by channel.
func WithEventChannel(name string) Option {
	return func(s *Store) { s.eventSettings().channel = name }
}

// WithListenConfig is WithEvents with the listener connecting with cfg
// instead of borrowing a connection of the store's pool. LISTEN needs a
// session of its own on the server: behind PgBouncer in transaction
// pooling mode, give it a direct connection to PostgreSQL (or one through
// a session-mode pool) here. It is required when the store's DBTX is not a
// *pgxpool.Pool.
func WithListenConfig(cfg *pgx.ConnConfig) Option {
	return func(s *Store) { s.eventSettings().listen = cfg }
}

// WithEventLogger is WithEvents logging the listener's failures and
// reconnections to l (default slog.Default()).
func WithEventLogger(l *slog.Logger) Option {
	return func(s *Store) { s.eventSettings().log = l }
}

// wireEvent is a Lifecycle event in a NOTIFY payload: hashes in hex,
// never a token.
type wireEvent struct {
	Kind   runtime.LifecycleKind `json:"k"`
	Hash   string                `json:"h"`
	From   string                `json:"f,omitempty"`
	UserID string                `json:"u,omitempty"`
	Reason runtime.EndReason     `json:"r,omitempty"`
	At     int64                 `json:"t"`
}

// payloads packs events into JSON arrays of at most maxPayload bytes. An
// event too large alone, for its user id, goes without the user id.
func payloads(events []runtime.Lifecycle) ([]string, error) {
	var out []string
	buf := []byte{'['}
	for _, e := range events {
		w := wireEvent{Kind: e.Kind, Hash: hex.EncodeToString(e.Hash[:]), UserID: e.UserID, Reason: e.Reason, At: e.At.UnixNano()}
		if e.From != (runtime.TokenHash{}) {
			w.From = hex.EncodeToString(e.From[:])
		}
		b, err := json.Marshal(w)
		if err != nil {
			return nil, fmt.Errorf("pgstore: encode event: %w", err)
		}
		if len(b)+2 > maxPayload {
			w.UserID = ""
			if b, err = json.Marshal(w); err != nil {
				return nil, fmt.Errorf("pgstore: encode event: %w", err)
			}
		}
		if len(buf) > 1 && len(buf)+1+len(b)+1 > maxPayload {
			out = append(out, string(append(buf, ']')))
			buf = []byte{'['}
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(buf, b...)
	}
	if len(buf) > 1 {
		out = append(out, string(append(buf, ']')))
	}
	return out, nil
}

// decodePayload reads the events of one NOTIFY payload.
func decodePayload(p string) ([]runtime.Lifecycle, error) {
	var ws []wireEvent
	if err := json.Unmarshal([]byte(p), &ws); err != nil {
		return nil, err
	}
	events := make([]runtime.Lifecycle, 0, len(ws))
	for _, w := range ws {
		e := runtime.Lifecycle{Kind: w.Kind, UserID: w.UserID, Reason: w.Reason, At: time.Unix(0, w.At)}
		if err := decodeHash(&e.Hash, w.Hash); err != nil {
			return nil, err
		}
		if w.From != "" {
			if err := decodeHash(&e.From, w.From); err != nil {
				return nil, err
			}
		}
		events = append(events, e)
	}
	return events, nil
}

func decodeHash(h *runtime.TokenHash, s string) error {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return fmt.Errorf("bad hash %q", s)
	}
	copy(h[:], b)
	return nil
}

var _ runtime.EventBus = (*Store)(nil)

// Publish sends events to every subscriber of the store's channel, on any
// instance, in one statement: in the caller's transaction when the
// store's DBTX is a pgx.Tx, then delivered when it commits. It fails with
// ErrNoEvents without WithEvents.
func (s *Store) Publish(ctx context.Context, events []runtime.Lifecycle) error {
	if s.events == nil {
		return ErrNoEvents
	}
	return s.notify(ctx, s.q, events)
}

// notify publishes events through q.
func (s *Store) notify(ctx context.Context, q *db.Queries, events []runtime.Lifecycle) error {
	if len(events) == 0 {
		return nil
	}
	ps, err := payloads(events)
	if err != nil {
		return err
	}
	if err := q.NotifyEvents(ctx, db.NotifyEventsParams{Channel: s.events.channel, Payloads: ps}); err != nil {
		return fmt.Errorf("pgstore: publish events: %w", err)
	}
	return nil
}

// Subscribe listens on the store's channel, on a connection of its own
// (see WithListenConfig), calls ready once it listens and fn with each
// event, until ctx is done, and returns ctx's error. When the connection
// fails, it logs that and listens again, after a backoff of up to 5s,
// calling ready again: NOTIFY is not durable, and events sent while it was
// not listening are lost. It fails with ErrNoEvents without WithEvents.
func (s *Store) Subscribe(ctx context.Context, ready func(), fn func(runtime.Lifecycle)) error {
	if s.events == nil {
		return ErrNoEvents
	}
	backoff := minListenBackoff
	for {
		err := s.listen(ctx, func() { backoff = minListenBackoff; ready() }, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errNoListener) {
			return err
		}
		s.events.log.LogAttrs(ctx, slog.LevelWarn, "pgstore: event listener lost its connection; listening again",
			slog.String("error", err.Error()), slog.Duration("backoff", backoff))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, maxListenBackoff)
	}
}

// errNoListener is reported when the store has no way to open a listener.
var errNoListener = errors.New("pgstore: subscribe: the store's DBTX is not a *pgxpool.Pool; give WithListenConfig")

// listen runs one listening connection until it fails or ctx is done.
func (s *Store) listen(ctx context.Context, ready func(), fn func(runtime.Lifecycle)) error {
	conn, err := s.listenConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.events.channel}.Sanitize()); err != nil {
		return fmt.Errorf("pgstore: listen: %w", err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("pgstore: wait for notification: %w", err)
		}
		events, err := decodePayload(n.Payload)
		if err != nil {
			s.events.log.LogAttrs(ctx, slog.LevelWarn, "pgstore: event payload does not decode; skipped",
				slog.String("error", err.Error()))
			continue
		}
		for _, e := range events {
			fn(e)
		}
	}
}

// listenConn opens the listener's connection: with WithListenConfig's
// configuration, or taken out of the store's pool for good (it is closed
// afterwards, not returned to the pool still listening).
func (s *Store) listenConn(ctx context.Context) (*pgx.Conn, error) {
	if cfg := s.events.listen; cfg != nil {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("pgstore: connect listener: %w", err)
		}
		return conn, nil
	}
	pool, ok := s.conn.(*pgxpool.Pool)
	if !ok {
		return nil, errNoListener
	}
	c, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgstore: acquire listener: %w", err)
	}
	return c.Hijack(), nil
}

// deleteExpiredBatch deletes one batch of expired sessions, with their
// ends published in the same transaction when events are enabled, and
// returns how many it deleted.
func (s *Store) deleteExpiredBatch(ctx context.Context, batch int32) (int64, error) {
	if s.events == nil {
		rows, err := s.q.DeleteExpiredBatch(ctx, batch)
		return int64(len(rows)), err
	}
	var n int64
	err := s.inTx(ctx, func(q *db.Queries) error {
		rows, err := q.DeleteExpiredBatch(ctx, batch)
		if err != nil {
			return err
		}
		n = int64(len(rows))
		at := time.Now()
		events := make([]runtime.Lifecycle, len(rows))
		for i, r := range rows {
			events[i] = runtime.Lifecycle{Kind: runtime.LifecycleEnded, UserID: deref(r.UserID), Reason: runtime.EndExpired, At: at}
			copy(events[i].Hash[:], r.TokenHash)
		}
		return s.notify(ctx, q, events)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// deleteUserSessionsNotify is DeleteUserSessions with the ends published
// in the same transaction.
func (s *Store) deleteUserSessionsNotify(ctx context.Context, userID string, keep []byte) ([]runtime.TokenHash, error) {
	var hs []runtime.TokenHash
	err := s.inTx(ctx, func(q *db.Queries) error {
		rows, err := q.DeleteUserSessions(ctx, db.DeleteUserSessionsParams{UserID: &userID, Keep: keep})
		if err != nil {
			return err
		}
		at := time.Now()
		hs = make([]runtime.TokenHash, len(rows))
		events := make([]runtime.Lifecycle, len(rows))
		for i, r := range rows {
			copy(hs[i][:], r)
			events[i] = runtime.Lifecycle{Kind: runtime.LifecycleEnded, Hash: hs[i], UserID: userID, Reason: runtime.EndUserSignedOut, At: at}
		}
		return s.notify(ctx, q, events)
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: delete user sessions: %w", err)
	}
	return hs, nil
}

// inTx runs f in a transaction on the store's DBTX (a savepoint in a
// pgx.Tx), committed when f succeeds.
func (s *Store) inTx(ctx context.Context, f func(q *db.Queries) error) error {
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit, a no-op
	if err := f(s.q.WithTx(tx)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
