package runtime

import "encoding/json"

// GetRenamed is Get for a key that was renamed in the schema. When the
// session holds no value under key, it reads the first of oldNames that it
// holds (list them newest first), and moves that value to key: the
// session's next save writes it under key and deletes the old name, in the
// same per-key write. Reading alone does not cause a save. A value that
// does not decode into T reads as unset and is not moved.
func GetRenamed[T any](s *Session, key string, oldNames ...string) (T, bool) {
	if v, ok := Get[T](s, key); ok || Has(s, key) {
		return v, ok
	}
	for _, old := range oldNames {
		raw, ok := s.raw(old)
		if !ok {
			continue
		}
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			s.decodeFailed(old, err)
			var zero T
			return zero, false
		}
		s.rename(old, key, raw)
		return v, true
	}
	var zero T
	return zero, false
}

// rename moves raw from old to key in the pending change without marking
// the session modified, so it rides along with the next save.
func (s *Session) rename(old, key string, raw json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[old]; !ok {
		return // a concurrent goroutine of the request moved it already
	}
	delete(s.data, old)
	s.data[key] = raw
	s.pending.change(old, false)
	s.pending.change(key, true)
}
