package memstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// subscriberBuffer bounds the events waiting for one subscriber: a
// subscriber that falls that far behind loses the events that overflow,
// so that a stuck one holds no more memory than this.
const subscriberBuffer = 4096

// bus is a Store's in-process runtime.EventBus. Its zero value has no
// subscribers, and publishing to none costs nothing.
type bus struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

// subscriber is one Subscribe call's queue.
type subscriber struct {
	ch chan runtime.Lifecycle
}

var _ runtime.EventBus = (*Store)(nil)

// Publish hands events to every subscriber of this store, in this
// process: a memstore is one instance's. It never blocks on a subscriber;
// one whose queue is full loses the event.
func (s *Store) Publish(ctx context.Context, events []runtime.Lifecycle) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: publish events: %w", err)
	}
	s.bus.publish(events)
	return nil
}

// Subscribe calls ready, then fn with each event published on the store
// from then on, in order, one at a time, until ctx is done, and returns
// ctx's error. The store publishes the ends it makes itself, in
// DeleteExpired (runtime.EndExpired) and DeleteUserSessions
// (runtime.EndUserSignedOut), while it has subscribers.
func (s *Store) Subscribe(ctx context.Context, ready func(), fn func(runtime.Lifecycle)) error {
	sub := &subscriber{ch: make(chan runtime.Lifecycle, subscriberBuffer)}
	s.bus.mu.Lock()
	if s.bus.subs == nil {
		s.bus.subs = map[*subscriber]struct{}{}
	}
	s.bus.subs[sub] = struct{}{}
	s.bus.mu.Unlock()
	defer func() {
		s.bus.mu.Lock()
		delete(s.bus.subs, sub)
		s.bus.mu.Unlock()
	}()
	ready()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e := <-sub.ch:
			fn(e)
		}
	}
}

func (b *bus) publish(events []runtime.Lifecycle) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for sub := range b.subs {
		for _, e := range events {
			select {
			case sub.ch <- e:
			default: // full: this subscriber loses it
			}
		}
	}
}

// ended publishes the ends of the sessions under hs, for reason, when the
// bus has subscribers.
func (b *bus) ended(hs []runtime.TokenHash, userID string, reason runtime.EndReason, at time.Time) {
	b.mu.Lock()
	none := len(b.subs) == 0
	b.mu.Unlock()
	if none || len(hs) == 0 {
		return
	}
	events := make([]runtime.Lifecycle, len(hs))
	for i, h := range hs {
		events[i] = runtime.Lifecycle{Kind: runtime.LifecycleEnded, Hash: h, UserID: userID, Reason: reason, At: at}
	}
	b.publish(events)
}
