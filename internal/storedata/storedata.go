package storedata

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/sessiongen/sessiongen/internal/jsonb"
	"github.com/sessiongen/sessiongen/runtime"
)

// Compact returns the JSON v compacted, as a store keeps it and Load
// returns it, in memory of its own. It fails, as encoding/json does, if v
// is not valid JSON, and with an error wrapping runtime.ErrInvalidValue if
// it holds what every store refuses (runtime.CheckStorable). A nil v is
// JSON null.
func Compact(v json.RawMessage) ([]byte, error) {
	if v == nil {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return nil, err
	}
	if err := runtime.CheckStorable(buf.Bytes()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CompactAll returns a copy of m that shares no memory with it, each value
// as Compact returns it. The error names the key whose value failed.
func CompactAll(m map[string]json.RawMessage) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		b, err := Compact(v)
		if err != nil {
			return nil, fmt.Errorf("encode data: value of %q: %w", k, err)
		}
		out[k] = b
	}
	return out, nil
}

// CheckExpect fails if a value of expect, a Change's Expect, is neither
// nil (the key must be absent) nor JSON that a store can keep: such a
// value cannot be what Load returned.
func CheckExpect(expect map[string]json.RawMessage) error {
	for k, v := range expect {
		if v == nil {
			continue
		}
		if !json.Valid(v) {
			return fmt.Errorf("expect: value of %q is not valid JSON", k)
		}
		if err := runtime.CheckStorable(v); err != nil {
			return fmt.Errorf("expect: value of %q: %w", k, err)
		}
	}
	return nil
}

// ExpectHolds reports whether each key of expect holds its value in data,
// or is absent from data when the value is nil. Values compare as
// PostgreSQL's jsonb compares them: objects whatever their order of keys,
// numbers by value (1.0 equals 1), strings once unescaped.
func ExpectHolds(data, expect map[string]json.RawMessage) bool {
	for k, want := range expect {
		got, ok := data[k]
		if want == nil && ok || want != nil && (!ok || !bytes.Equal(got, want) && !jsonb.Equal(got, want)) {
			return false
		}
	}
	return true
}
