package cachestore

import (
	"context"
	"fmt"

	"github.com/sessiongen/sessiongen/runtime"
)

var _ runtime.EventBus = (*Store)(nil)

// Publish publishes events through the wrapped store's event bus (pgstore
// with pgstore.WithEvents, memstore): the cache adds nothing to lifecycle
// events, and needs none, since the instance that ends a session forgets
// it in Redis itself. It fails, wrapping errors.ErrUnsupported, when the
// wrapped store is no runtime.EventBus.
func (s *Store) Publish(ctx context.Context, events []runtime.Lifecycle) error {
	bus, ok := s.next.(runtime.EventBus)
	if !ok {
		return s.unsupported("publish events")
	}
	if err := bus.Publish(ctx, events); err != nil {
		return fmt.Errorf("cachestore: publish events: %w", err)
	}
	return nil
}

// Subscribe subscribes to the wrapped store's event bus, as Publish
// publishes to it; the events of DeleteExpired and DeleteUserSessions are
// the wrapped store's. It fails, wrapping errors.ErrUnsupported, when the
// wrapped store is no runtime.EventBus.
func (s *Store) Subscribe(ctx context.Context, ready func(), fn func(runtime.Lifecycle)) error {
	bus, ok := s.next.(runtime.EventBus)
	if !ok {
		return s.unsupported("subscribe to events")
	}
	return bus.Subscribe(ctx, ready, fn)
}
