package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// LifecycleKind says what happened to a session in a Lifecycle event.
type LifecycleKind uint8

// The kinds of Lifecycle events.
const (
	// LifecycleCreated: a new session was stored, under Hash.
	LifecycleCreated LifecycleKind = iota + 1
	// LifecycleCycled: a session moved from the hash From to Hash
	// (CycleKey, SignIn).
	LifecycleCycled
	// LifecycleEnded: the session under Hash was deleted, for Reason.
	LifecycleEnded
)

// String returns the kind's name: "created", "cycled" or "ended".
func (k LifecycleKind) String() string {
	switch k {
	case LifecycleCreated:
		return "created"
	case LifecycleCycled:
		return "cycled"
	case LifecycleEnded:
		return "ended"
	}
	return "unknown"
}

// EndReason says why a session ended, in a Lifecycle event of kind
// LifecycleEnded.
type EndReason uint8

// The reasons a session ends.
const (
	// EndNone is the reason of events that are not ends.
	EndNone EndReason = iota
	// EndSignedOut: the request that held the session flushed or emptied
	// it (a sign-out), or gave it an expiry that has passed.
	EndSignedOut
	// EndExpired: the session had expired and a store's DeleteExpired (the
	// janitor) removed it.
	EndExpired
	// EndUserSignedOut: a UserStore's DeleteUserSessions removed it: "sign
	// out other devices" or "sign out everywhere".
	EndUserSignedOut
	// EndUserLimit: a sign-in of the same user removed it to keep the
	// user's sessions within WithMaxSessionsPerUser.
	EndUserLimit
)

// String returns the reason's name in snake_case, such as "signed_out".
func (r EndReason) String() string {
	switch r {
	case EndNone:
		return "none"
	case EndSignedOut:
		return "signed_out"
	case EndExpired:
		return "expired"
	case EndUserSignedOut:
		return "user_signed_out"
	case EndUserLimit:
		return "user_limit"
	}
	return "unknown"
}

// Lifecycle is an event in the life of a stored session: created, cycled
// to a new token, or ended. It names sessions by the hashes of their
// tokens only, never a token, so any instance may receive it.
type Lifecycle struct {
	// Kind is what happened.
	Kind LifecycleKind
	// Hash is the session's hash: the new one for LifecycleCycled.
	Hash TokenHash
	// From is the hash a LifecycleCycled session had before; zero for
	// other kinds.
	From TokenHash
	// UserID is the user the session was bound to, when the publisher
	// knew it, or "".
	UserID string
	// Reason is why a LifecycleEnded session ended; EndNone otherwise.
	Reason EndReason
	// At is when it happened, by the publisher's clock.
	At time.Time
}

// EventBus carries Lifecycle events between the instances of an
// application. pgstore (with pgstore.WithEvents, over PostgreSQL's
// LISTEN/NOTIFY), memstore (within one process) and cachestore (through
// the store it wraps) implement it; give it to the manager with
// WithEventBus. Delivery is at most once: an event published while a
// subscriber is disconnected is lost to it.
type EventBus interface {
	// Publish sends events to every subscriber, on every instance.
	Publish(ctx context.Context, events []Lifecycle) error
	// Subscribe calls ready once it listens, again each time it listens
	// again after a failure, then fn with each event published from then
	// on, one at a time, until ctx is done; it then returns ctx's error.
	// A failure of its connection is logged and retried with backoff, not
	// returned: events published in the gap are lost.
	Subscribe(ctx context.Context, ready func(), fn func(Lifecycle)) error
}

// ErrNoEventBus is returned by Manager.Subscribe and Manager.Ended when the
// manager was built without WithEventBus.
var ErrNoEventBus = errors.New("runtime: manager has no event bus (WithEventBus)")

// WithEventBus makes the middleware publish the Lifecycle events of the
// sessions it creates, cycles and ends on bus, and lets Manager.Subscribe
// and Manager.Ended receive those of every instance (default none: no
// events, and no cost). Ends a store makes itself, DeleteExpired and
// DeleteUserSessions, are published by the store, when it has events
// enabled. A publish runs after the store's write and its failure is
// logged; it never fails the request.
func WithEventBus(bus EventBus) Option {
	return func(m *Manager) {
		m.bus = bus
		if bus != nil {
			m.hub = &endHub{bus: bus, waiters: map[TokenHash]map[chan Lifecycle]struct{}{}}
		}
	}
}

// publish sends events on the manager's bus, if any, logging a failure.
func (m *Manager) publish(ctx context.Context, events ...Lifecycle) {
	if m.bus == nil || len(events) == 0 {
		return
	}
	if err := m.bus.Publish(ctx, events); err != nil {
		m.logger.LogAttrs(ctx, slog.LevelWarn, "publish session lifecycle events",
			slog.Int("events", len(events)), slog.String("error", err.Error()))
	}
}

// Subscribe calls fn with each Lifecycle event published on the manager's
// bus, on any instance, until ctx is done, as EventBus.Subscribe does (ready
// may be nil). It returns ErrNoEventBus without WithEventBus.
func (m *Manager) Subscribe(ctx context.Context, ready func(), fn func(Lifecycle)) error {
	if m.bus == nil {
		return ErrNoEventBus
	}
	if ready == nil {
		ready = func() {}
	}
	return m.bus.Subscribe(ctx, ready, fn)
}

// Ended returns a channel that receives the event that ends the session
// under h, or a cycle that moves it away from h, on any instance: what a
// WebSocket or server-sent-event handler waits on to close its stream when
// its session is signed out elsewhere. It returns once the manager
// listens, so an end published after it returns is not missed; an end
// before then is, and a handler should check the session is still stored
// after Ended returns. The channel is buffered, receives at most one
// event, and is forgotten when ctx is done. All the waiters of a manager
// share one subscription, held while there are any. It returns
// ErrNoEventBus without WithEventBus.
func (m *Manager) Ended(ctx context.Context, h TokenHash) (<-chan Lifecycle, error) {
	if m.hub == nil {
		return nil, ErrNoEventBus
	}
	return m.hub.wait(ctx, m.logger, h)
}

// endHub fans one subscription out to the waiters of Manager.Ended.
type endHub struct {
	bus EventBus

	mu      sync.Mutex
	waiters map[TokenHash]map[chan Lifecycle]struct{}
	n       int       // waiters in all
	sub     *endWatch // the subscription; nil: none
}

// endWatch is one run of the hub's subscription.
type endWatch struct {
	cancel func()
	ready  chan struct{} // closed when it listens
	done   chan struct{} // closed when Subscribe has returned err
	err    error
}

func (hub *endHub) wait(ctx context.Context, log *slog.Logger, h TokenHash) (<-chan Lifecycle, error) {
	ch := make(chan Lifecycle, 1)
	hub.mu.Lock()
	if hub.waiters[h] == nil {
		hub.waiters[h] = map[chan Lifecycle]struct{}{}
	}
	hub.waiters[h][ch] = struct{}{}
	hub.n++
	if hub.sub == nil {
		hub.sub = hub.watch(ctx, log)
	}
	sub := hub.sub
	hub.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { hub.leave(h, ch) })
	select {
	case <-sub.ready:
		return ch, nil
	case <-sub.done:
		stop()
		hub.leave(h, ch)
		return nil, fmt.Errorf("runtime: wait for the session's end: %w", sub.err)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// watch starts the hub's subscription, which outlives the ctx of the wait
// that starts it. When Subscribe returns, the hub forgets it, so that the
// next wait subscribes again rather than waiting on a dead subscription.
func (hub *endHub) watch(ctx context.Context, log *slog.Logger) *endWatch {
	subCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sub := &endWatch{cancel: cancel, ready: make(chan struct{}), done: make(chan struct{})}
	var once sync.Once
	go func() {
		err := hub.bus.Subscribe(subCtx, func() { once.Do(func() { close(sub.ready) }) }, hub.deliver)
		if err == nil {
			err = errors.New("event bus subscription returned")
		}
		if subCtx.Err() == nil {
			log.LogAttrs(subCtx, slog.LevelError, "session lifecycle subscription stopped", slog.String("error", err.Error()))
		}
		sub.err = err
		close(sub.done)
		hub.mu.Lock()
		if hub.sub == sub {
			hub.sub = nil
		}
		hub.mu.Unlock()
		cancel()
	}()
	return sub
}

// leave forgets the waiter ch, and stops the subscription when it was the
// last.
func (hub *endHub) leave(h TokenHash, ch chan Lifecycle) {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	if _, ok := hub.waiters[h][ch]; !ok {
		return
	}
	delete(hub.waiters[h], ch)
	if len(hub.waiters[h]) == 0 {
		delete(hub.waiters, h)
	}
	if hub.n--; hub.n == 0 && hub.sub != nil {
		hub.sub.cancel()
		hub.sub = nil
	}
}

// deliver hands an end, or a cycle away, of a waited-on session to its
// waiters, each of which receives one event at most.
func (hub *endHub) deliver(e Lifecycle) {
	var h TokenHash
	switch e.Kind {
	case LifecycleEnded:
		h = e.Hash
	case LifecycleCycled:
		h = e.From
	default:
		return
	}
	hub.mu.Lock()
	defer hub.mu.Unlock()
	for ch := range hub.waiters[h] {
		select {
		case ch <- e:
		default: // it has its event already
		}
	}
}

// publishSave publishes what a save that stored the session under h did:
// created it, or cycled it from its hash to h. The caller holds mu, before
// the session takes h.
func (s *Session) publishSave(ctx context.Context, h TokenHash) {
	if s.mgr.bus == nil {
		return
	}
	switch {
	case !s.stored:
		s.mgr.publish(ctx, Lifecycle{Kind: LifecycleCreated, Hash: h, UserID: s.userID, At: s.mgr.now()})
	case h != s.hash:
		s.mgr.publish(ctx, Lifecycle{Kind: LifecycleCycled, Hash: h, From: s.hash, UserID: s.userID, At: s.mgr.now()})
	}
}

// publishUserLimit publishes the ends of the sessions a store deleted for
// WithMaxSessionsPerUser.
func (m *Manager) publishUserLimit(ctx context.Context, hs []TokenHash) {
	if m.bus == nil || len(hs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.saveTimeout)
	defer cancel()
	at := m.now()
	events := make([]Lifecycle, len(hs))
	for i, h := range hs {
		events[i] = Lifecycle{Kind: LifecycleEnded, Hash: h, Reason: EndUserLimit, At: at}
	}
	m.publish(ctx, events...)
}
