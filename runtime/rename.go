package runtime

import "encoding/json"

// GetRenamed is Get for a key that was renamed in the schema. When the
// session holds no value under key, it reads the first of oldNames that it
// holds (list them newest first), and moves that value to key: the
// session's next save writes it under key and deletes the old names, in the
// same per-key write, if key is still absent and the old names still hold
// what they held, so the move never overwrites a concurrent request's
// value. Reading alone does not cause a save. A value that does not decode
// into T reads as unset and is not moved.
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
		s.move(key, oldNames, old)
		return v, true
	}
	var zero T
	return zero, false
}

// move moves the value under old, the first of former that the session
// holds, to key, as an update that rides along with the next save.
func (s *Session) move(key string, former []string, old string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[key]; ok {
		return // a concurrent goroutine of the request moved it already
	}
	s.update(key, former, []string{old}, false, func(raw json.RawMessage) (json.RawMessage, error) { return raw, nil })
}
