package memstore

import (
	"encoding/json"
	"fmt"

	"github.com/sessiongen/sessiongen/internal/storedata"
	"github.com/sessiongen/sessiongen/runtime"
)

// admit returns nil when the change c from the data before to the data
// after may be written, runtime.ErrConflict when c.Expect does not hold on
// before, and an error wrapping runtime.ErrTooLarge when after is over
// c.MaxSize and larger than before. Expect is checked first, as pgstore
// does: a request that conflicts is retried on the newer data, whose size
// may differ.
func admit(before, after map[string]json.RawMessage, c runtime.Change) error {
	if !storedata.ExpectHolds(before, c.Expect) {
		return runtime.ErrConflict
	}
	if c.MaxSize > 0 {
		if n := runtime.SizeOf(after); n > c.MaxSize && n > runtime.SizeOf(before) {
			return fmt.Errorf("%w: the change would grow the data to %d bytes, past %d", runtime.ErrTooLarge, n, c.MaxSize)
		}
	}
	return nil
}
