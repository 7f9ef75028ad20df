package pgstore

import (
	"encoding/json"
	"fmt"

	"github.com/sessiongen/sessiongen/runtime"
)

// encodeObject returns m as a JSON object, "{}" when m is empty. It fails
// if a value is not valid JSON, so nothing but JSON reaches the database.
func encodeObject(m map[string]json.RawMessage) ([]byte, error) {
	if len(m) == 0 {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode data: %w", err)
	}
	return b, nil
}

// change is a runtime.Change as the parameters of UpdateSession,
// CycleSession and ChangeRefusal. Neither slice is ever nil: a NULL array
// would make the whole data NULL, or a condition NULL.
type change struct {
	changed      []byte   // the keys to set, as a JSON object
	deleted      []string // the keys to delete
	expect       []byte   // the values Expect requires, as a JSON object
	expectAbsent []string // the keys Expect requires to be absent
	// maxSize is the Change's MaxSize, or 0 when it sets nothing:
	// deleting keys cannot grow the data, and counting the data costs a
	// pass over it.
	maxSize int64
}

// encodeChange returns the parameters of c's conditional per-key write.
// It fails if a value to set or to expect is not valid JSON.
func encodeChange(c runtime.Change) (change, error) {
	w := change{deleted: c.Delete, expectAbsent: []string{}}
	if w.deleted == nil {
		w.deleted = []string{}
	}
	if len(c.Set) > 0 {
		w.maxSize = int64(c.MaxSize)
	}
	var err error
	if w.changed, err = encodeObject(c.Set); err != nil {
		return change{}, err
	}
	present := make(map[string]json.RawMessage, len(c.Expect))
	for k, v := range c.Expect {
		if v == nil {
			w.expectAbsent = append(w.expectAbsent, k)
		} else {
			present[k] = v
		}
	}
	if w.expect, err = encodeObject(present); err != nil {
		return change{}, fmt.Errorf("expect: %w", err)
	}
	return w, nil
}

// conditional reports whether w can affect no row of a live session:
// only then does the reason need asking.
func (w change) conditional() bool {
	return string(w.expect) != "{}" || len(w.expectAbsent) > 0 || w.maxSize > 0
}

// nonEmpty returns a pointer to s, or nil (SQL NULL) for "".
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// decodeObject splits the stored JSON object into its members, without
// decoding or copying them (splitObject): each member is decoded when a
// handler reads it. A member that encoding/json cannot decode fails only
// then (Get reads it as unset) and does not make the whole session
// unloadable; splitting has no nesting limit, while jsonb holds values
// nested more deeply than encoding/json's 10,000 levels.
func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	return splitObject(b)
}
