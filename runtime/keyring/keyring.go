package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of a key of the ring: 32 bytes, for AES-256.
const KeySize = 32

// prefix begins every sealed text: the format's name and version, so that
// a sealed value is told from a value stored in plaintext at a glance, and
// so that a later format can sit beside this one.
const prefix = "sealed1:"

// nonceSize is GCM's standard nonce size.
const nonceSize = 12

// overhead is what sealing adds to a plaintext, before base64: the nonce
// and GCM's tag.
const overhead = nonceSize + 16

// ErrNotSealed is returned by Open for a text that is not a sealed value:
// one without the prefix of Seal's texts, or whose base64 is damaged.
var ErrNotSealed = errors.New("keyring: not a sealed value")

// ErrNoKey is returned by Open for a sealed value that no key of the ring
// opens under the name given: it was sealed under a key the ring no longer
// has, for another name, or it was changed.
var ErrNoKey = errors.New("keyring: no key of the ring opens the value")

// Ring is an ordered set of AES-256-GCM keys: the first seals, each opens.
// It is safe for concurrent use.
type Ring struct {
	aeads []cipher.AEAD
}

// New returns the ring of keys, newest first. Each key is KeySize bytes,
// and no key may repeat. The ring keeps no reference to the slices.
func New(keys ...[]byte) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("keyring: no keys: give at least one key of 32 bytes")
	}
	r := &Ring{}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("keyring: key %d of %d is %d bytes, want %d", i+1, len(keys), len(k), KeySize)
		}
		for j := range i {
			if bytes.Equal(keys[j], k) {
				return nil, fmt.Errorf("keyring: key %d repeats key %d", i+1, j+1)
			}
		}
		block, err := aes.NewCipher(k) // copies the key
		if err != nil {
			return nil, fmt.Errorf("keyring: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %d: %w", i+1, err)
		}
		r.aeads = append(r.aeads, aead)
	}
	return r, nil
}

// Parse returns the ring of the keys in text, newest first: each key in
// base64 (standard or URL alphabet, padded or not), separated by commas or
// white space, as openssl rand -base64 32 writes a key. Its errors name a
// key by its place in the list, never by its content.
func Parse(text string) (*Ring, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	keys := make([][]byte, len(fields))
	for i, f := range fields {
		enc := base64.RawStdEncoding
		if strings.ContainsAny(f, "-_") {
			enc = base64.RawURLEncoding
		}
		k, err := enc.DecodeString(strings.TrimRight(f, "="))
		if err != nil {
			return nil, fmt.Errorf("keyring: key %d of %d is not base64", i+1, len(fields))
		}
		keys[i] = k
	}
	return New(keys...)
}

// Len returns the number of keys of the ring.
func (r *Ring) Len() int { return len(r.aeads) }

// Seal returns plaintext sealed under the ring's first key for the session
// key name: a text of base64url characters after a short prefix, which
// Open opens with the same name only.
func (r *Ring) Seal(name string, plaintext []byte) string {
	buf := make([]byte, nonceSize, overhead+len(plaintext))
	rand.Read(buf) // never fails (crypto/rand)
	buf = r.aeads[0].Seal(buf, buf, plaintext, additionalData(name))
	return prefix + base64.RawURLEncoding.EncodeToString(buf)
}

// Open returns the plaintext of the text sealed for name, and the place in
// the ring of the key that opened it: 0 for the first key, which Seal
// uses. It fails with ErrNotSealed for a text that is not a sealed value,
// and with ErrNoKey when no key of the ring opens it.
func (r *Ring) Open(name, sealed string) (plaintext []byte, key int, err error) {
	enc, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return nil, 0, ErrNotSealed
	}
	buf, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(buf) < overhead {
		return nil, 0, ErrNotSealed
	}
	nonce, ciphertext := buf[:nonceSize], buf[nonceSize:]
	ad := additionalData(name)
	for i, aead := range r.aeads {
		if p, err := aead.Open(nil, nonce, ciphertext, ad); err == nil {
			return p, i, nil
		}
	}
	return nil, 0, ErrNoKey
}

// additionalData returns what GCM authenticates beside a value sealed for
// the session key name: the name, after a label that keeps the ring's
// texts apart from anything else sealed with the same key.
func additionalData(name string) []byte {
	return append([]byte("sessiongen session value\x00"), name...)
}
