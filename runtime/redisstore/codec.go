package redisstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/internal/jsonb"
	"github.com/sessiongen/sessiongen/internal/storedata"
	"github.com/sessiongen/sessiongen/runtime"
)

// dataField is the prefix of the fields of a session's hash that hold its
// data; the metadata's fields never begin with it.
const dataField = "d:"

// metaFields are the fields that listings read: the metadata, and the
// data fields of the session's Lifetime.
var metaFields = append([]string{"exp", "mv", "uid", "ua", "ct", "ut"}, lifetimeFields()...)

// lifetimeFields returns the fields of the data keys of runtime.LifetimeOf.
func lifetimeFields() []string {
	keys := runtime.LifetimeKeys()
	for i, k := range keys {
		keys[i] = dataField + k
	}
	return keys
}

// whole is a whole session, as putScript stores it.
type whole struct {
	expires           time.Time
	userID, userAgent string
	created, updated  string // microseconds; "" for the server's time
	by                string // the nonce of the Cycle that writes it
	pairs             []any  // key and value pairs of the data
	// limit bounds the user's sessions, as Change.MaxUserSessions does
	// (0: none), and ended hears of those the write deleted for it.
	limit int
	ended func([]runtime.TokenHash)
}

// argv returns putScript's arguments for w.
func (w whole) argv(retention time.Duration, fence string) []any {
	args := make([]any, 0, 8+len(w.pairs))
	args = append(args, w.expires.UnixMicro(), expireAt(w.expires, retention),
		w.userID, w.userAgent, w.created, w.updated, fence, w.by)
	return append(args, w.pairs...)
}

// expireAt returns when Redis is to drop a session that expires at exp,
// as PEXPIREAT takes it: retention later, in milliseconds since 1970,
// rounded up, and never before 1970, which Redis refuses.
func expireAt(exp time.Time, retention time.Duration) int64 {
	return max(ceilDiv(exp.UnixMicro(), 1000)+ceilDiv(int64(retention), int64(time.Millisecond)), 1)
}

// ceilDiv returns x / d rounded up, for d > 0.
func ceilDiv(x, d int64) int64 {
	if x > 0 {
		return (x + d - 1) / d
	}
	return x / d
}

// change is a runtime.Change with its values encoded for the scripts.
type change struct {
	c      runtime.Change
	set    []any             // key and value pairs
	expect map[string][]byte // nil: the key must be absent
}

// newChange checks and encodes c's values as every store checks them.
func newChange(c runtime.Change) (*change, error) {
	expect, err := encodeExpect(c.Expect)
	if err != nil {
		return nil, err
	}
	set, err := encodeData(c.Set)
	if err != nil {
		return nil, err
	}
	return &change{c: c, set: set, expect: expect}, nil
}

// argv returns the arguments of changeHead's scripts for ch.
func (ch *change) argv(retention time.Duration, fence, nonce string) []any {
	c := ch.c
	bind, userID := "", ""
	if c.UserID != nil {
		bind, userID = "1", *c.UserID
	}
	args := make([]any, 0, 11+2*len(ch.expect)+len(ch.set)+len(c.Delete))
	args = append(args, c.ExpiresAt.UnixMicro(), expireAt(c.ExpiresAt, retention), bind, userID, c.UserAgent,
		max(c.MaxSize, 0), fence, nonce, len(ch.expect), len(ch.set)/2, len(c.Delete))
	for k, v := range ch.expect {
		if v == nil {
			args = append(args, k, "")
		} else {
			args = append(args, k, v)
		}
	}
	args = append(args, ch.set...)
	for _, k := range c.Delete {
		args = append(args, k)
	}
	return args
}

// rebase takes the stored values that a script reported, as key and value
// pairs, for the expected ones when they are equal as JSON, and reports
// whether they all were.
func (ch *change) rebase(pairs []any) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		k, _ := str(pairs[i])
		got, _ := str(pairs[i+1])
		want, ok := ch.expect[k]
		if !ok || want == nil || !jsonb.Equal([]byte(got), want) {
			return false
		}
		ch.expect[k] = []byte(got)
	}
	return true
}

// encodeData returns data as key and value pairs, each value compacted.
// It fails, as encoding/json does, if a value is not valid JSON, and with
// an error wrapping runtime.ErrInvalidValue if it holds what every store
// refuses; a nil value is JSON null.
func encodeData(data map[string]json.RawMessage) ([]any, error) {
	pairs := make([]any, 0, 2*len(data))
	for k, v := range data {
		b, err := storedata.Compact(v)
		if err != nil {
			return nil, fmt.Errorf("encode data: value of %q: %w", k, err)
		}
		pairs = append(pairs, k, b)
	}
	return pairs, nil
}

// encodeExpect returns a Change's Expect with each value compacted, as
// stored values are. A value must be nil (the key must be absent) or JSON
// that a store can keep: anything else cannot be what Load returned.
func encodeExpect(expect map[string]json.RawMessage) (map[string][]byte, error) {
	if len(expect) == 0 {
		return nil, nil
	}
	out := make(map[string][]byte, len(expect))
	for k, v := range expect {
		if v == nil {
			out[k] = nil
			continue
		}
		b, err := storedata.Compact(v)
		if err != nil {
			return nil, fmt.Errorf("expect: value of %q: %w", k, err)
		}
		out[k] = b
	}
	return out, nil
}

// reply is what a script of changeHead returned: a status, and what
// follows it.
type reply struct {
	status string
	rest   []any
}

// parseReply reads a script's reply.
func parseReply(raw []any) (reply, error) {
	if len(raw) == 0 {
		return reply{}, errors.New("empty reply from Redis")
	}
	status, ok := str(raw[0])
	if !ok {
		return reply{}, fmt.Errorf("reply from Redis without a status: %v", raw)
	}
	return reply{status: status, rest: raw[1:]}, nil
}

// err returns the error of an operation op whose script ended with r, a
// change under the size bound maxSize.
func (r reply) err(op string, maxSize int) error {
	switch r.status {
	case "ok":
		return nil
	case "notfound":
		return runtime.ErrNotFound
	case "conflict":
		return fmt.Errorf("redisstore: %s: %w", op, runtime.ErrConflict)
	case "moving":
		return fmt.Errorf("redisstore: %s: %w: a concurrent Cycle is moving the session", op, runtime.ErrConflict)
	case "toolarge":
		size := int64(-1)
		if len(r.rest) > 0 {
			size, _ = r.rest[0].(int64)
		}
		return fmt.Errorf("redisstore: %s: %w: the change would grow the data to %d bytes, past %d", op, runtime.ErrTooLarge, size, maxSize)
	}
	return fmt.Errorf("redisstore: %s: unexpected reply %q from Redis", op, r.status)
}

// movedSession returns the session that cycleOutScript reported, as
// {now, created, user id, user agent, key, value, ...}, to be stored with
// the expiry expires.
func movedSession(rest []any, expires time.Time) (whole, error) {
	if len(rest) < 4 || len(rest)%2 != 0 {
		return whole{}, fmt.Errorf("malformed reply from Redis: %d values", len(rest))
	}
	w := whole{expires: expires, pairs: make([]any, 0, len(rest)-4)}
	w.updated, _ = str(rest[0])
	w.created, _ = str(rest[1])
	w.userID, _ = str(rest[2])
	w.userAgent, _ = str(rest[3])
	for _, v := range rest[4:] {
		s, _ := str(v)
		w.pairs = append(w.pairs, s)
	}
	return w, nil
}

// meta is a session's metadata as stored.
type meta struct {
	expires, created, updated int64 // microseconds since 1970
	userID, userAgent         string
	moving                    bool
	lifetime                  runtime.Lifetime // of the data's fields, when read
}

// info returns m as the SessionInfo of the session under h.
func (m meta) info(h runtime.TokenHash) runtime.SessionInfo {
	return runtime.SessionInfo{
		Hash: h, UserID: m.userID, UserAgent: m.userAgent,
		CreatedAt: time.UnixMicro(m.created), UpdatedAt: time.UnixMicro(m.updated), ExpiresAt: time.UnixMicro(m.expires),
		Lifetime: m.lifetime,
	}
}

// stored is a session as its hash holds it.
type stored struct {
	meta
	data map[string]json.RawMessage
}

// record returns st as a Record that shares no memory with it.
func (st stored) record() runtime.Record {
	return runtime.Record{
		Data:      st.data,
		ExpiresAt: time.UnixMicro(st.expires),
		UserID:    st.userID,
		UserAgent: st.userAgent,
		CreatedAt: time.UnixMicro(st.created),
		UpdatedAt: time.UnixMicro(st.updated),
	}
}

// parseSession reads the fields of a session's hash.
func parseSession(fields map[string]string) (stored, error) {
	st := stored{data: map[string]json.RawMessage{}}
	for f, v := range fields {
		if k, ok := strings.CutPrefix(f, dataField); ok {
			st.data[k] = json.RawMessage(v)
		}
	}
	m, err := parseMeta(fields)
	st.meta = m
	return st, err
}

// parseMeta reads the metadata among the fields of a session's hash.
func parseMeta(fields map[string]string) (meta, error) {
	var m meta
	times := []struct {
		field string
		dst   *int64
	}{{"exp", &m.expires}, {"ct", &m.created}, {"ut", &m.updated}}
	for _, t := range times {
		n, err := strconv.ParseInt(fields[t.field], 10, 64)
		if err != nil {
			return meta{}, fmt.Errorf("field %s of the session's hash is %q, not a time", t.field, fields[t.field])
		}
		*t.dst = n
	}
	m.userID, m.userAgent = fields["uid"], fields["ua"]
	_, m.moving = fields["mv"]
	data := map[string]json.RawMessage{}
	for _, k := range runtime.LifetimeKeys() {
		if v, ok := fields[dataField+k]; ok {
			data[k] = json.RawMessage(v)
		}
	}
	m.lifetime = runtime.LifetimeOf(data)
	return m, nil
}

// fieldsOf returns the values of HMGET names, vals, by name, leaving out
// the absent ones.
func fieldsOf(names []string, vals []any) map[string]string {
	m := make(map[string]string, len(names))
	for i, name := range names {
		if i < len(vals) {
			if v, ok := str(vals[i]); ok {
				m[name] = v
			}
		}
	}
	return m
}

// flatFields returns the fields of a flat list of names and values, as
// HGETALL gives them to a script.
func flatFields(vals []any) map[string]string {
	m := make(map[string]string, len(vals)/2)
	for i := 0; i+1 < len(vals); i += 2 {
		k, _ := str(vals[i])
		v, _ := str(vals[i+1])
		m[k] = v
	}
	return m
}

// parseLoad reads loadScript's reply: the server's time and the session's
// fields, none when it is absent.
func parseLoad(raw []any) (int64, map[string]string, error) {
	if len(raw) != 2 {
		return 0, nil, fmt.Errorf("malformed reply from Redis: %d values", len(raw))
	}
	now, err := serverTime(raw[0])
	if err != nil {
		return 0, nil, err
	}
	vals, _ := raw[1].([]any)
	return now, flatFields(vals), nil
}

// serverTime reads the reply of TIME, seconds and microseconds, as
// microseconds since 1970.
func serverTime(v any) (int64, error) {
	parts, _ := v.([]any)
	if len(parts) != 2 {
		return 0, fmt.Errorf("malformed TIME from Redis: %v", v)
	}
	sec, err1 := strconv.ParseInt(fmt.Sprint(parts[0]), 10, 64)
	usec, err2 := strconv.ParseInt(fmt.Sprint(parts[1]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("malformed TIME from Redis: %w", err)
	}
	return sec*1_000_000 + usec, nil
}

// str returns v as a string, and false when it is absent: Redis's nil, or
// the false a script's nil becomes under RESP3.
func str(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	}
	return "", false
}
