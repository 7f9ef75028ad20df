package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// Policy says how the accessors of one key store its value, beyond its
// type: what sessions.yaml declares with ttl and encrypted. The code that
// sessiongen generates for such a key declares its Policy once and passes
// it, with the key's name, to GetWith, SetWith, UpdateWith and PopWith;
// Delete needs none. A key marked on_sign_in: drop needs none either: the
// generated SignIn and CycleKey delete it.
type Policy struct {
	// TTL, when positive, ends each value that long after SetWith or
	// UpdateWith wrote it, by the manager's clock: the value then reads as
	// unset, and the session's next save removes it. The deadline is kept
	// beside the value, in the same save, under a key reserved for the
	// runtime: "_ttl." and the key's name, holding a JSON time. Every
	// accessor honours a deadline that is stored, so values written under a
	// ttl that the schema no longer has still end when they were meant to;
	// a write without a ttl removes the deadline.
	TTL time.Duration
	// Encrypted stores each value sealed with AES-256-GCM under the
	// manager's key ring (WithKeyRing), bound to the key's name, as a JSON
	// string (see package keyring). A stored value that is not sealed, or
	// that no key of the ring opens, reads as unset, is logged once per
	// request without its content, and stays in the store until
	// overwritten. Without a key ring, reading or writing the key fails the
	// request with an error wrapping ErrNoKeyRing, and nothing is stored.
	Encrypted bool
}

// ErrNoKeyRing is wrapped by the error a request reports when it read or
// wrote a key whose Policy is Encrypted and the manager has no key ring
// (WithKeyRing). Nothing of that session is written.
var ErrNoKeyRing = errors.New("encrypted session key used without a key ring (give NewManager runtime.WithKeyRing)")

// GetWith is Get for a key with a policy: it returns the value stored under
// key, decoded into a fresh T, and false when there is none, its ttl has
// ended, it does not open (p.Encrypted), or it does not decode into T.
func GetWith[T any](s *Session, key string, p Policy) (T, bool) {
	var zero T
	raw, ok := s.rawWith(key, p)
	if !ok {
		return zero, false
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		s.decodeFailed(key, err)
		return zero, false
	}
	return v, true
}

// SetWith is Set for a key with a policy: it stores v under key, sealed
// when p.Encrypted, and ending p.TTL from now when that is positive.
func SetWith[T any](s *Session, key string, p Policy, v T) {
	raw, err := encode(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	switch {
	case err != nil:
		s.failSet(key, err)
		return
	case p.Encrypted && !s.hasKeyRing(key):
		return
	case p.Encrypted:
		raw = sealValue(s.mgr.ring, key, raw)
	}
	s.put(key, raw)
	s.setDeadline(key, p.TTL)
}

// PopWith is Pop for a key with a policy: it returns the value under key,
// as GetWith does, and removes it from the session when it was there.
func PopWith[T any](s *Session, key string, p Policy) (T, bool) {
	v, ok := GetWith[T](s, key, p)
	if ok {
		Delete(s, key)
	}
	return v, ok
}

// UpdateWith is Update for a key with a policy: fn receives the stored
// value as GetWith reads it (ok false once its ttl has ended), and the save
// writes fn's result as SetWith does, as a compare-and-set of key. The ttl
// starts again from the update.
func UpdateWith[T any](s *Session, key string, p Policy, fn func(v T, ok bool) T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if p.Encrypted && !s.hasKeyRing(key) {
		return
	}
	// A value that had ended when fn first saw it has ended when the save
	// applies fn again to the same stored value; one that a concurrent
	// request stored meanwhile is new.
	seen, seenEnded := s.data[key], s.ended(key)
	s.update(key, nil, nil, true, func(raw json.RawMessage) (json.RawMessage, error) {
		var v T
		ok := raw != nil && !(seenEnded && bytes.Equal(raw, seen))
		if ok && p.Encrypted {
			raw, ok = s.open(key, raw)
		}
		if ok {
			if err := json.Unmarshal(raw, &v); err != nil {
				s.decodeFailedLocked(key, err)
				var zero T
				v, ok = zero, false
			}
		}
		out, err := encode(fn(v, ok))
		if err != nil || !p.Encrypted {
			return out, err
		}
		return sealValue(s.mgr.ring, key, out), nil
	})
	s.setDeadline(key, p.TTL)
}

// rawWith returns the stored JSON of key as p says it is stored, loading
// the session if need be: nothing once its ttl has ended, and the opened
// value when p.Encrypted.
func (s *Session) rawWith(key string, p Policy) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if p.Encrypted && !s.hasKeyRing(key) {
		return nil, false
	}
	v, ok := s.data[key]
	if !ok || s.ended(key) {
		return nil, false
	}
	if p.Encrypted {
		return s.open(key, v)
	}
	return v, true
}
