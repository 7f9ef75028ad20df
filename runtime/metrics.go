package runtime

// Event is something the middleware, or a store that reports to the same
// hook (cachestore), did with a session: what an application counts to
// graph its sessions. An Event carries nothing of a token or a value, so
// its name is safe as a metric label.
type Event uint8

// The events, as WithMetrics reports them.
const (
	// EventLoaded: a session was loaded from the store.
	EventLoaded Event = iota
	// EventNotFound: the request's token named no live session (new,
	// expired, signed out or forged).
	EventNotFound
	// EventCreated: a new session was stored.
	EventCreated
	// EventSaved: a stored session was saved (updated, or moved to a new
	// token by CycleKey or SignIn).
	EventSaved
	// EventDeleted: a session was deleted: flushed, or emptied.
	EventDeleted
	// EventConflict: a save found a key it updated changed by a concurrent
	// request, and applies the update again.
	EventConflict
	// EventLoadFailed: the store failed to load a session.
	EventLoadFailed
	// EventSaveFailed: a save or a delete failed; the request got the
	// error handler's response, or, after the response started, a log line.
	EventSaveFailed
	// EventCacheHit: a cache in front of the store served a session.
	EventCacheHit
	// EventCacheMiss: a cache in front of the store did not have a session
	// and asked the store.
	EventCacheMiss
)

// eventNames are the events' names, as String returns them.
var eventNames = [...]string{
	EventLoaded:     "loaded",
	EventNotFound:   "not_found",
	EventCreated:    "created",
	EventSaved:      "saved",
	EventDeleted:    "deleted",
	EventConflict:   "conflict",
	EventLoadFailed: "load_failed",
	EventSaveFailed: "save_failed",
	EventCacheHit:   "cache_hit",
	EventCacheMiss:  "cache_miss",
}

// Events lists every Event, for registering a metric's labels up front.
func Events() []Event {
	es := make([]Event, len(eventNames))
	for i := range es {
		es[i] = Event(i)
	}
	return es
}

// String returns the event's name in snake_case, such as "cache_hit".
func (e Event) String() string {
	if int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "unknown"
}

// WithMetrics sets a function that the middleware calls for each Event,
// to count them (default none). It runs on the request's goroutine, often
// with the session locked, so it must be quick and must not use the
// session: incrementing a counter is what it is for.
func WithMetrics(observe func(Event)) Option {
	return func(m *Manager) { m.observe = observe }
}

// event reports e to the manager's metrics function, if any.
func (m *Manager) event(e Event) {
	if m.observe != nil {
		m.observe(e)
	}
}
