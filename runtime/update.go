package runtime

import "encoding/json"

// Update replaces the value under key with fn's result, as a
// read-modify-write that concurrent requests cannot undo: fn receives the
// stored value (ok false, and the zero T, when the session holds none or
// its value does not decode into T), and the save writes the result only if
// the stored value is still the one fn saw, checked in the same store write.
// When a concurrent request changed it in between, the middleware reloads
// the session and calls fn again with the new value, a bounded number of
// times (MaxUpdateAttempts), before failing the save with an error wrapping
// ErrConflict. fn may therefore run more than once, and should only compute
// the new value. Set, by contrast, is last writer wins.
func Update[T any](s *Session, key string, fn func(v T, ok bool) T) {
	UpdateRenamed(s, key, fn)
}

// UpdateRenamed is Update for a key that was renamed in the schema: when
// the session holds no value under key, fn receives the value of the first
// of formerNames that it holds (list them newest first), as GetRenamed
// reads it. The save writes fn's result under key and deletes the former
// names, in the same write, only if key and each former name still hold
// what they held when fn saw them.
func UpdateRenamed[T any](s *Session, key string, fn func(v T, ok bool) T, formerNames ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.update(key, formerNames, formerNames, true, func(raw json.RawMessage) (json.RawMessage, error) {
		var v T
		ok := raw != nil
		if ok {
			if err := json.Unmarshal(raw, &v); err != nil {
				s.decodeFailedLocked(key, err)
				var zero T
				v, ok = zero, false
			}
		}
		return encode(fn(v, ok))
	})
}

// update is a read-modify-write of one key, made by Update or by the move
// of a renamed key's value: the names it reads (the key, then its former
// names), what each held when it was first applied, which the save
// requires to be still stored, and the steps to apply again to what a
// concurrent request stored.
type update struct {
	names []string
	seen  []json.RawMessage // by names; nil: absent
	steps []step
}

// step computes a key's new JSON value from its current one, nil when it
// is absent.
type step func(json.RawMessage) (json.RawMessage, error)

// newUpdate returns the update of key, reading key and then former, as the
// session's data has them now.
func newUpdate(data map[string]json.RawMessage, key string, former []string) *update {
	u := &update{names: append([]string{key}, former...)}
	for _, n := range u.names {
		u.seen = append(u.seen, data[n])
	}
	return u
}

// input returns the value u starts from in data: the key's, or else that
// of the first former name data holds.
func (u *update) input(data map[string]json.RawMessage) json.RawMessage {
	for _, n := range u.names {
		if v, ok := data[n]; ok {
			return v
		}
	}
	return nil
}

// apply runs u's steps on what data holds now, recording what u saw.
func (u *update) apply(data map[string]json.RawMessage) (json.RawMessage, error) {
	for i, n := range u.names {
		u.seen[i] = data[n]
	}
	v := u.input(data)
	for _, st := range u.steps {
		var err error
		if v, err = st(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// update applies st to key, reading it through former names, and records
// the result as a compare-and-set of key, or, when the request already set
// or deleted key without one, as a plain change on top of that. The names
// in drop are deleted. modify makes a save due; the move of a renamed
// key's value only rides along with the next save. The caller holds mu and
// has loaded.
func (s *Session) update(key string, former, drop []string, modify bool, st step) {
	u, conditional := s.pending.updates[key]
	if _, changed := s.pending.changes[key]; !conditional && !changed {
		u, conditional = newUpdate(s.data, key, former), true
	}
	in := s.data[key]
	if conditional {
		in = u.input(s.data)
	}
	raw, err := st(in)
	if err != nil {
		s.failSet(key, err)
		return
	}
	s.data[key] = raw
	s.pending.change(key, true)
	for _, old := range drop {
		if _, ok := s.data[old]; ok {
			delete(s.data, old)
			s.pending.change(old, false)
		}
	}
	s.pending.modified = s.pending.modified || modify
	if conditional {
		u.steps = append(u.steps, st)
		if s.pending.updates == nil {
			s.pending.updates = map[string]*update{}
		}
		s.pending.updates[key] = u
	}
}

// rebase makes the session's data the stored rec's with this request's
// changes on top, after a save failed with ErrConflict: updates apply
// their steps again to what is stored now, other changes are made again
// as they were. The caller holds mu.
func (s *Session) rebase(rec Record) error {
	fresh := rec.Data
	if fresh == nil {
		fresh = map[string]json.RawMessage{}
	}
	updated := make(map[string]json.RawMessage, len(s.pending.updates))
	for k, u := range s.pending.updates {
		v, err := u.apply(fresh)
		if err != nil {
			return err
		}
		updated[k] = v
	}
	s.loadedSize = SizeOf(fresh)
	for k, set := range s.pending.changes {
		v, isUpdate := updated[k]
		if !isUpdate && set {
			v = s.data[k]
		}
		if v != nil {
			fresh[k] = v
		} else {
			delete(fresh, k) // deleted, or an update of a key now absent everywhere
		}
	}
	s.data = fresh
	if s.pending.bindUser == nil {
		s.userID = rec.UserID
	}
	s.storedUA, s.version = rec.UserAgent, rec.Version
	return nil
}
