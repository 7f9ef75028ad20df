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

// reservedKeys describes the keys the runtime keeps, by name.
var reservedKeys = []KeyInfo{
	{Name: expiryKey, Doc: "the session's own expiry (SetExpiry)"},
	{Name: testCookieKey, Doc: "the test cookie (SetTestCookie)"},
}

// ReservedKeys returns the keys the runtime keeps in a session's data, in
// order of name, each with its Name and a Doc that says what it holds.
// Each begins with ReservedPrefix. The slice is the caller's.
func ReservedKeys() []KeyInfo { return slices.Clone(reservedKeys) }
