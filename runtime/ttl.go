package runtime

import (
	"encoding/json"
	"strings"
	"time"
)

// ttlPrefix begins the name of the key, reserved for the runtime, under
// which the deadline of a value written with a ttl (Policy.TTL) is kept,
// as a JSON time: "_ttl.otp" for the key otp. A key name of the schema
// holds no dot, so no key of the schema can take such a name.
const ttlPrefix = ReservedPrefix + "ttl."

// ttlKey returns the name under which the deadline of key's value is kept.
func ttlKey(key string) string { return ttlPrefix + key }

// deadlineOf returns the stored deadline of key's value, if any, finding
// it without building the string of its name: most keys have none, and
// every read looks. The caller holds mu.
func (s *Session) deadlineOf(key string) (json.RawMessage, bool) {
	var buf [64]byte
	raw, ok := s.data[string(append(append(buf[:0], ttlPrefix...), key...))] // indexing by string(bytes) copies nothing
	return raw, ok
}

// removeDeadline removes the deadline of key's value, if any. The caller
// holds mu and has loaded.
func (s *Session) removeDeadline(key string) {
	if _, ok := s.deadlineOf(key); ok {
		s.remove(ttlKey(key))
	}
}

// setDeadline records when the value just written under key ends: ttl from
// now, or never when ttl is not positive, which removes a deadline left by
// an earlier write. The caller holds mu and has loaded.
func (s *Session) setDeadline(key string, ttl time.Duration) {
	if ttl <= 0 {
		s.removeDeadline(key)
		return
	}
	raw, _ := json.Marshal(s.mgr.now().Add(ttl).UTC().Truncate(time.Millisecond)) // a time of this era always encodes
	s.put(ttlKey(key), raw)
}

// ended reports whether the value under key has reached its deadline, by
// the manager's clock. A deadline that does not decode counts as reached,
// logged once: a value must never outlive its ttl by surprise. The caller
// holds mu and has loaded.
func (s *Session) ended(key string) bool {
	raw, ok := s.deadlineOf(key)
	if !ok {
		return false
	}
	name := ttlKey(key)
	if s.staleDeadline(key, name) {
		return false
	}
	var deadline time.Time
	if err := json.Unmarshal(raw, &deadline); err != nil {
		s.decodeFailedLocked(name, err)
		return true
	}
	return !s.mgr.now().Before(deadline)
}

// staleDeadline reports whether the deadline under name no longer belongs
// to the value of key: the request wrote key without writing a deadline
// (through Update, say), so the value it wrote has none. The caller holds
// mu.
func (s *Session) staleDeadline(key, name string) bool {
	set, changed := s.pending.changes[key]
	_, own := s.pending.changes[name]
	return changed && set && !own
}

// sweep removes from the data, before a save, the values whose deadline
// has passed, with their deadlines, and the deadlines that no longer
// belong to a value: that of a key the request deleted, or wrote without a
// ttl. It returns each name removed with the value it held, which the
// save requires to be still stored (Change.Expect): a value that a
// concurrent request wrote meanwhile is kept, and the save applied again
// to it sweeps anew. A deadline that does not decode is left alone, as is
// its value, which reads as unset. The caller holds mu.
func (s *Session) sweep() map[string]json.RawMessage {
	var gone map[string]json.RawMessage
	remove := func(name string, raw json.RawMessage) {
		if gone == nil {
			gone = map[string]json.RawMessage{}
		}
		gone[name] = raw
		delete(s.data, name)
	}
	var now time.Time
	for name, raw := range s.data {
		key, ok := strings.CutPrefix(name, ttlPrefix)
		if !ok {
			continue
		}
		if _, own := s.pending.changes[name]; own {
			continue
		}
		if _, changed := s.pending.changes[key]; !changed {
			if now.IsZero() {
				now = s.mgr.now()
			}
			var deadline time.Time
			if json.Unmarshal(raw, &deadline) != nil || now.Before(deadline) {
				continue
			}
			if v, ok := s.data[key]; ok {
				remove(key, v)
			}
		}
		remove(name, raw)
	}
	return gone
}
