package runtime

import "encoding/json"

// pending is what a session's next save will do. It is reset as a whole,
// by a save and by the end of a session, so that what a save writes is
// decided here and nowhere else.
type pending struct {
	// changes maps each key the request set to true and each key it
	// deleted to false.
	changes map[string]bool
	// updates holds the keys changed through Update, whose save is a
	// compare-and-set.
	updates map[string]*update
	// bindUser is a SignIn's user, to store with the save.
	bindUser *string

	modified  bool // a save is due
	flushed   bool // the row the request's token named must be deleted
	cycled    bool // the save moves the row to a new token
	expirySet bool // the cookie's lifetime changed
}

// update is a read-modify-write of one key through Update: the stored value
// its function saw, which the save requires to be still there, and the
// functions to apply again to a value a concurrent request stored.
type update struct {
	seen  json.RawMessage // nil when the key was absent
	steps []func(json.RawMessage) (json.RawMessage, error)
}

// set records that key was given a value, with last-writer-wins semantics:
// it ends any compare-and-set of that key.
func (p *pending) set(key string) {
	p.change(key, true)
	delete(p.updates, key)
	p.modified = true
}

// del records that key was deleted.
func (p *pending) del(key string) {
	p.change(key, false)
	delete(p.updates, key)
	p.modified = true
}

// change records a change of key without making a save due: one that
// rides along with the next save.
func (p *pending) change(key string, set bool) {
	if p.changes == nil {
		p.changes = map[string]bool{}
	}
	p.changes[key] = set
}

// update runs step on key's current value and records the result as a
// compare-and-set of key, or, when the request already set or deleted key
// without one, as a plain change. The caller holds mu and has loaded.
func (s *Session) update(key string, step func(json.RawMessage) (json.RawMessage, error)) {
	cur, present := s.data[key]
	u, conditional := s.pending.updates[key]
	if _, changed := s.pending.changes[key]; !conditional && !changed {
		u = &update{}
		if present {
			u.seen = cur
		}
		if s.pending.updates == nil {
			s.pending.updates = map[string]*update{}
		}
		conditional = true
	}
	if !present {
		cur = nil
	}
	raw, err := step(cur)
	if err != nil {
		s.failSet(key, err)
		return
	}
	s.data[key] = raw
	s.pending.change(key, true)
	s.pending.modified = true
	if conditional {
		u.steps = append(u.steps, step)
		s.pending.updates[key] = u
	}
}

// expect returns the values the save requires to be still stored, or nil.
func (p *pending) expect() map[string]json.RawMessage {
	if len(p.updates) == 0 {
		return nil
	}
	m := make(map[string]json.RawMessage, len(p.updates))
	for k, u := range p.updates {
		m[k] = u.seen
	}
	return m
}

// rebase makes the session's data the stored rec's with this request's
// changes on top, applying each update's steps again to the value now
// stored, after a save failed with ErrConflict. The caller holds mu.
func (s *Session) rebase(rec Record) error {
	data := rec.Data
	if data == nil {
		data = map[string]json.RawMessage{}
	}
	s.loadedSize = sizeOf(data)
	for k, set := range s.pending.changes {
		u, conditional := s.pending.updates[k]
		switch {
		case conditional:
			v, present := data[k]
			u.seen = nil
			if present {
				u.seen = v
			}
			for _, step := range u.steps {
				var err error
				if v, err = step(v); err != nil {
					return err
				}
			}
			data[k] = v
		case set:
			data[k] = s.data[k]
		default:
			delete(data, k)
		}
	}
	s.data = data
	if s.pending.bindUser == nil {
		s.userID = rec.UserID
	}
	s.storedUA = rec.UserAgent
	return nil
}
