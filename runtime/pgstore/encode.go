package pgstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sessiongen/sessiongen/internal/storedata"
	"github.com/sessiongen/sessiongen/runtime"
)

// encodeData returns data as the JSON object that the data column holds,
// which PostgreSQL stores as it is given: the values of check, the ones a
// caller gives, must be valid JSON that jsonb would keep
// (runtime.CheckStorable), and are checked here, since PostgreSQL no
// longer parses them; the others were checked when they were stored.
// Values are written as they are, without a copy through encoding/json.
func encodeData(data, check map[string]json.RawMessage) ([]byte, error) {
	n := 2
	for k, v := range data {
		n += len(k) + len(v) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for k, v := range data {
		if v == nil {
			v = null // as encoding/json writes a nil json.RawMessage
		}
		if _, ok := check[k]; ok {
			if err := storable(k, v); err != nil {
				return nil, err
			}
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// null is the JSON null.
var null = json.RawMessage("null")

// storable reports why key and its value v cannot be stored, or nil.
func storable(key string, v json.RawMessage) error {
	if strings.IndexByte(key, 0) >= 0 {
		return fmt.Errorf("encode data: key %q: %w: jsonb holds no U+0000", key, runtime.ErrInvalidValue)
	}
	if !json.Valid(v) {
		return fmt.Errorf("encode data: value of %q is not valid JSON", key)
	}
	if err := runtime.CheckStorable(v); err != nil {
		return fmt.Errorf("encode data: value of %q: %w", key, err)
	}
	return nil
}

// appendKey appends key to b as a JSON string. Keys that need no escape,
// as the schema's keys do, are copied; others go through encoding/json.
func appendKey(b []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(key) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"')
}

// merged applies c to data, the stored data of a session, in place: the
// per-key write, if c.Expect holds on data (compared as jsonb compares,
// as memstore does) and the result fits c.MaxSize or is no larger than
// data was. Sizes count as Load returns the data (runtime.SizeOf).
func merged(data map[string]json.RawMessage, c runtime.Change) error {
	if !storedata.ExpectHolds(data, c.Expect) {
		return runtime.ErrConflict
	}
	before := runtime.SizeOf(data)
	for _, k := range c.Delete {
		delete(data, k)
	}
	for k, v := range c.Set {
		data[k] = v
	}
	if after := runtime.SizeOf(data); c.MaxSize > 0 && len(c.Set) > 0 && after > c.MaxSize && after > before {
		return fmt.Errorf("%w: the change would grow the data past %d bytes", runtime.ErrTooLarge, c.MaxSize)
	}
	return nil
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
