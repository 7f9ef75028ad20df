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

// encodeChange returns the parameters of a per-key write: the keys to set
// as a JSON object, and the keys to delete, never NULL, since a NULL would
// make the whole data NULL.
func encodeChange(c runtime.Change) (set []byte, del []string, err error) {
	if set, err = encodeObject(c.Set); err != nil {
		return nil, nil, err
	}
	del = c.Delete
	if del == nil {
		del = []string{}
	}
	return set, del, nil
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
