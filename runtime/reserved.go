package runtime

import (
	"slices"
	"strings"
)

// ReservedPrefix begins the name of every key the runtime keeps in a
// session's data for itself (see ReservedKeys). A schema's keys may not
// begin with it, and tools such as the admin page show a stored key that
// does as the runtime's.
const ReservedPrefix = "_"

// IsReservedKey reports whether name is reserved for the runtime: whether
// it begins with ReservedPrefix. Names that do and are not among
// ReservedKeys are kept for later releases.
func IsReservedKey(name string) bool { return strings.HasPrefix(name, ReservedPrefix) }

// reservedKeys describes the keys the runtime keeps, by name; a name that
// ends in "." names a family of keys, that name and then a schema key's.
var reservedKeys = []KeyInfo{
	{Name: absoluteLifetimeKey, Doc: "the session's own absolute lifetime, in seconds (SetAbsoluteLifetime)"},
	{Name: absoluteDeadlineKey, Doc: "when the session ends however it is used: its absolute lifetime after the last sign-in or its creation"},
	{Name: expiryKey, Doc: "the session's own expiry (SetExpiry)"},
	{Name: idleTimeoutKey, Doc: "the session's own idle timeout, in seconds (SetIdleTimeout)"},
	{Name: idleDeadlineKey, Doc: "when the session ends unless a request uses it: its idle timeout after its last use"},
	{Name: signedInKey, Doc: "when SignIn last bound the session to its user (SignedInAt)"},
	{Name: testCookieKey, Doc: "the test cookie (SetTestCookie)"},
	{Name: ttlPrefix, Doc: "when the value of the key named after the dot ends (its ttl)"},
}

// ReservedKeys returns the keys the runtime keeps in a session's data, in
// order of name, each with its Name and a Doc that says what it holds.
// Each begins with ReservedPrefix. A Name that ends in "." stands for
// every key that begins with it, such as "_ttl.cart". The slice is the
// caller's.
func ReservedKeys() []KeyInfo { return slices.Clone(reservedKeys) }

// ReservedKeyDoc returns the Doc of the entry of ReservedKeys that the
// stored key name is, or is of the family of, and whether there is one.
func ReservedKeyDoc(name string) (string, bool) {
	for _, k := range reservedKeys {
		family := strings.HasSuffix(k.Name, ".")
		if !family && name == k.Name || family && len(name) > len(k.Name) && strings.HasPrefix(name, k.Name) {
			return k.Doc, true
		}
	}
	return "", false
}
