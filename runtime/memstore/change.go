package memstore

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/sessiongen/sessiongen/internal/jsonb"
	"github.com/sessiongen/sessiongen/runtime"
)

// checkExpect fails, as copyJSON does, if a value of expect is neither nil
// (the key must be absent) nor JSON that a store can keep: such a value
// cannot be what Load returned.
func checkExpect(expect map[string]json.RawMessage) error {
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

// admit returns nil when the change c from the data before to the data
// after may be written, runtime.ErrConflict when c.Expect does not hold on
// before, and an error wrapping runtime.ErrTooLarge when after is over
// c.MaxSize and larger than before. Expect is checked first, as pgstore
// does: a request that conflicts is retried on the newer data, whose size
// may differ.
func admit(before, after map[string]json.RawMessage, c runtime.Change) error {
	for k, want := range c.Expect {
		got, ok := before[k]
		if want == nil && ok || want != nil && (!ok || !sameJSON(got, want)) {
			return runtime.ErrConflict
		}
	}
	if c.MaxSize > 0 {
		if n := sizeOf(after); n > c.MaxSize && n > sizeOf(before) {
			return fmt.Errorf("%w: the change would grow the data to %d bytes, past %d", runtime.ErrTooLarge, n, c.MaxSize)
		}
	}
	return nil
}

// sizeOf returns the size of data as the Store contract counts it: the
// bytes of its keys and of its values as Load returns them.
func sizeOf(data map[string]json.RawMessage) int {
	n := 0
	for k, v := range data {
		n += len(k) + len(v)
	}
	return n
}

// sameJSON reports whether the valid JSON a and b are equal as jsonb
// compares them: objects whatever their order of keys, numbers by value
// (1.0 equals 1), strings once unescaped.
func sameJSON(a, b json.RawMessage) bool {
	return bytes.Equal(a, b) || jsonb.Equal(a, b)
}
