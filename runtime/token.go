package runtime

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// tokenBytes is the entropy of a session token.
const tokenBytes = 32

// tokenLen is the length of a token in its cookie form (unpadded base64url).
// It is base64.RawURLEncoding.EncodedLen(tokenBytes), as a constant so
// that HashToken can copy a token into an array on the stack.
const tokenLen = (tokenBytes*8 + 5) / 6

// TokenHash is the SHA-256 of a session token: the only form in which a
// Store ever sees a token, so a copy of the store does not let anyone in.
type TokenHash [sha256.Size]byte

// String returns the hash in hexadecimal. It is safe to log: it cannot be
// turned back into the token.
func (h TokenHash) String() string { return hex.EncodeToString(h[:]) }

// HashToken returns the hash under which the session with the given cookie
// token is stored. It reports false, without hashing, for a string that is
// not of a token's shape (43 characters of unpadded base64url encoding 32
// bytes), so such input never reaches a Store.
func HashToken(token string) (TokenHash, bool) {
	if len(token) != tokenLen {
		return TokenHash{}, false
	}
	// A copy in an array: []byte(token) would allocate, twice.
	var buf [tokenLen]byte
	copy(buf[:], token)
	var raw [tokenBytes]byte
	n, err := base64.RawURLEncoding.Strict().Decode(raw[:], buf[:])
	if err != nil || n != tokenBytes {
		return TokenHash{}, false
	}
	return sha256.Sum256(buf[:]), true
}

// newToken returns a fresh random token and its hash.
func newToken() (string, TokenHash) {
	var raw [tokenBytes]byte
	// crypto/rand.Read never returns an error (it crashes the program
	// instead when the system's random source fails).
	_, _ = rand.Read(raw[:])
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	return token, sha256.Sum256([]byte(token))
}
