package memstore

import (
	"bytes"
	"encoding/json"
	"maps"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// apply returns sess after the save c, whose Set values are already
// copied: the per-key write (data - c.Delete) || set, the new expiry and
// metadata. It builds a new map, so a Record handed out earlier is
// unchanged.
func apply(sess session, set map[string]json.RawMessage, c runtime.Change, now time.Time) session {
	data := maps.Clone(sess.data)
	for _, k := range c.Delete {
		delete(data, k)
	}
	maps.Copy(data, set)
	sess.data = data
	sess.expiresAt = storedTime(c.ExpiresAt)
	sess.updatedAt = storedTime(now)
	if c.UserID != nil {
		sess.userID = *c.UserID
	}
	if c.UserAgent != "" {
		sess.userAgent = c.UserAgent
	}
	return sess
}

// cloneData returns a copy of stored data that shares no memory with it.
func cloneData(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = bytes.Clone(v)
	}
	return out
}

// storedTime returns t as PostgreSQL would store it: to the microsecond,
// and without a monotonic clock reading.
func storedTime(t time.Time) time.Time {
	return t.Truncate(time.Microsecond)
}
