package filestore

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"
	"unicode/utf8"

	"github.com/sessiongen/sessiongen/internal/storedata"
	"github.com/sessiongen/sessiongen/runtime"
)

// copyJSON returns m with each value compacted, as Load will return it, so
// that the size bound counts what is stored (storedata.CompactAll). It
// also fails, with an error wrapping runtime.ErrInvalidValue, if a key is
// not valid UTF-8, which a JSON file cannot hold as it is.
func copyJSON(m map[string]json.RawMessage) (map[string]json.RawMessage, error) {
	for k := range m {
		if !utf8.ValidString(k) {
			return nil, fmt.Errorf("encode data: key %q: %w: not valid UTF-8", k, runtime.ErrInvalidValue)
		}
	}
	return storedata.CompactAll(m)
}

// checkText fails if s, the metadata named what, is not valid UTF-8,
// which a JSON file cannot hold as it is.
func checkText(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", what, s)
	}
	return nil
}

// checkChange returns c.Set as copyJSON does, after checking c.Expect and
// c's metadata. It runs before any lock is taken.
func checkChange(c runtime.Change) (map[string]json.RawMessage, error) {
	if err := storedata.CheckExpect(c.Expect); err != nil {
		return nil, err
	}
	if c.UserID != nil {
		if err := checkText("user id", *c.UserID); err != nil {
			return nil, err
		}
	}
	if err := checkText("user agent", c.UserAgent); err != nil {
		return nil, err
	}
	return copyJSON(c.Set)
}

// apply changes sess, decoded for this save, by the save c, whose Set
// values set holds checked: the per-key write (data - c.Delete) || set,
// the new expiry and metadata, and the time of the save. It returns nil
// when the result may be written, runtime.ErrConflict when c.Expect does
// not hold, and an error wrapping runtime.ErrTooLarge when the data would
// be over c.MaxSize and larger than before; then sess is to be dropped.
// Expect is checked first, as every store does: a request that conflicts
// is retried on the newer data, whose size may differ.
func apply(sess *session, set map[string]json.RawMessage, c runtime.Change, now time.Time) error {
	if !storedata.ExpectHolds(sess.Data, c.Expect) {
		return runtime.ErrConflict
	}
	before := runtime.SizeOf(sess.Data)
	changeData(sess.Data, set, c.Delete)
	if n := runtime.SizeOf(sess.Data); c.MaxSize > 0 && n > c.MaxSize && n > before {
		return fmt.Errorf("%w: the change would grow the data to %d bytes, past %d", runtime.ErrTooLarge, n, c.MaxSize)
	}
	sess.ExpiresAt = storedTime(c.ExpiresAt)
	sess.UpdatedAt = now
	if c.UserID != nil {
		sess.UserID = *c.UserID
	}
	if c.UserAgent != "" {
		sess.UserAgent = c.UserAgent
	}
	return nil
}

// changeData applies a per-key write to data: (data - del) || set.
func changeData(data, set map[string]json.RawMessage, del []string) {
	for _, k := range del {
		delete(data, k)
	}
	maps.Copy(data, set)
}
