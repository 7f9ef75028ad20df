package runtime

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/sessiongen/sessiongen/runtime/keyring"
)

// sealValue returns raw, the JSON of a value of the encrypted key, sealed
// under the first key of ring, as it is stored: a JSON string of the sealed
// text, which needs no escaping.
func sealValue(ring *keyring.Ring, key string, raw json.RawMessage) json.RawMessage {
	text := ring.Seal(key, raw)
	out := make(json.RawMessage, 0, len(text)+2)
	return append(append(append(out, '"'), text...), '"')
}

// openValue returns the JSON of the value of the encrypted key stored as
// raw, and the place in ring of the key that opened it (0: the first). It
// fails with keyring.ErrNotSealed for a value stored in plaintext, before
// the key was encrypted, and with keyring.ErrNoKey for one that no key of
// the ring opens.
func openValue(ring *keyring.Ring, key string, raw json.RawMessage) (json.RawMessage, int, error) {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return nil, 0, keyring.ErrNotSealed
	}
	return ring.Open(key, text)
}

// hasKeyRing reports whether the manager has a key ring to seal and open
// the encrypted key with, recording, when it has none, the error that
// fails the request. The caller holds mu.
func (s *Session) hasKeyRing(key string) bool {
	if s.mgr.ring != nil {
		return true
	}
	if s.setErr == nil {
		s.setErr = fmt.Errorf("runtime: session key %q is encrypted: %w", key, ErrNoKeyRing)
	}
	return false
}

// open returns the JSON of the value of the encrypted key stored as raw, or
// false, logged once per key and request, when it does not open. The
// caller holds mu, and has checked hasKeyRing.
func (s *Session) open(key string, raw json.RawMessage) (json.RawMessage, bool) {
	v, _, err := openValue(s.mgr.ring, key, raw)
	if err == nil {
		return v, true
	}
	if !s.badKeys[key] {
		if s.badKeys == nil {
			s.badKeys = map[string]bool{}
		}
		s.badKeys[key] = true
		// err names the reason, never the value.
		s.mgr.logger.LogAttrs(s.ctx, slog.LevelWarn, "session value of an encrypted key does not open with the key ring; reading it as unset",
			slog.String("key", key), slog.String("error", err.Error()))
	}
	return nil, false
}
