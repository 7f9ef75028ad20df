package cachestore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// formatVersion is the first byte of every cache entry. An entry of
// another version is not served, so a release may change the format.
const formatVersion = 2

// encodeRecord returns rec as a cache entry: the format version, the
// expiry, creation and update times, the stored version (Record.Version),
// the user and user agent, and the data, each string and value prefixed
// by its length.
func encodeRecord(rec runtime.Record) []byte {
	n := 1 + 3*2*binary.MaxVarintLen64 + 4*binary.MaxVarintLen64 + len(rec.UserID) + len(rec.UserAgent)
	for k, v := range rec.Data {
		n += 2*binary.MaxVarintLen64 + len(k) + len(v)
	}
	b := make([]byte, 0, n)
	b = append(b, formatVersion)
	for _, t := range []time.Time{rec.ExpiresAt, rec.CreatedAt, rec.UpdatedAt} {
		b = binary.AppendVarint(b, t.Unix())
		b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	}
	b = binary.AppendVarint(b, rec.Version)
	b = appendString(b, rec.UserID)
	b = appendString(b, rec.UserAgent)
	b = binary.AppendUvarint(b, uint64(len(rec.Data)))
	for k, v := range rec.Data {
		b = appendString(b, k)
		b = appendString(b, string(v))
	}
	return b
}

// appendString appends s to b, prefixed by its length.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// errFormat reports a cache entry that is not of this release's format.
var errFormat = errors.New("cache entry of an unknown format")

// decoder reads a cache entry, remembering the first failure.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 { return readVarint(d, binary.Uvarint) }
func (d *decoder) varint() int64   { return readVarint(d, binary.Varint) }

// readVarint returns the number that read (binary.Uvarint or binary.Varint)
// decodes at the start of the entry's rest, and moves past it.
func readVarint[T int64 | uint64](d *decoder, read func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := read(d.b)
	if n <= 0 {
		d.err = errFormat
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= uint64(time.Second) {
		d.err = errFormat
	}
	return time.Unix(sec, int64(nsec))
}

// bytes returns a copy of the next length-prefixed string.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errFormat
		return nil
	}
	v := make([]byte, n)
	copy(v, d.b)
	d.b = d.b[n:]
	return v
}

// decodeRecord returns the record of a cache entry made by encodeRecord.
// Its maps and bytes are fresh: they belong to the caller.
func decodeRecord(b []byte) (runtime.Record, error) {
	if len(b) == 0 || b[0] != formatVersion {
		return runtime.Record{}, errFormat
	}
	d := decoder{b: b[1:]}
	var rec runtime.Record
	rec.ExpiresAt = d.time()
	rec.CreatedAt = d.time()
	rec.UpdatedAt = d.time()
	rec.Version = d.varint()
	rec.UserID = string(d.bytes())
	rec.UserAgent = string(d.bytes())
	n := d.uvarint()
	if n > uint64(len(d.b)) { // each key takes at least a byte
		d.err = errFormat
	}
	if d.err != nil {
		return runtime.Record{}, fmt.Errorf("cachestore: decode entry: %w", d.err)
	}
	rec.Data = make(map[string]json.RawMessage, n)
	for range n {
		k := string(d.bytes())
		v := d.bytes()
		if d.err != nil {
			break
		}
		rec.Data[k] = v
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errFormat
	}
	if d.err != nil {
		return runtime.Record{}, fmt.Errorf("cachestore: decode entry: %w", d.err)
	}
	return rec, nil
}
