package pgstore

import (
	"bytes"
	"encoding/json"
	"errors"
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

// decodeObject splits the stored JSON object into its members. A member
// that encoding/json cannot decode must fail only when it is read (Get
// reads it as unset) and not make the whole session unloadable: jsonb holds
// values nested more deeply than encoding/json's limit of 10,000 levels, so
// when decoding the whole object fails, the members are split out token by
// token, which has no such limit.
func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	data := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &data); err == nil {
		return data, nil
	}
	clear(data)
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string) // object keys are strings
		start := dec.InputOffset()
		for depth := 0; ; {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			switch tok {
			case json.Delim('['), json.Delim('{'):
				depth++
			case json.Delim(']'), json.Delim('}'):
				depth--
			}
			if depth == 0 {
				break
			}
		}
		// The member's value, without the colon and blanks before it.
		data[key] = bytes.Clone(bytes.TrimLeft(b[start:dec.InputOffset()], " \t\r\n:"))
	}
	return data, nil
}
