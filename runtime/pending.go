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

// expect returns the values the save requires to be still stored, or nil.
func (p *pending) expect() map[string]json.RawMessage {
	if len(p.updates) == 0 {
		return nil
	}
	m := map[string]json.RawMessage{}
	for _, u := range p.updates {
		for i, n := range u.names {
			m[n] = u.seen[i]
		}
	}
	return m
}
