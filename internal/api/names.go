package api

import "unicode"

// Generated top-level identifiers of the generated file.
const (
	// TypeName is the generated session type.
	TypeName = "Session"
	// FromName is the function that returns the session of a request.
	FromName = "From"
	// FromContextName is the function that returns the session of a
	// context.
	FromContextName = "FromContext"
	// KeysName is the function that describes the schema's keys.
	KeysName = "Keys"
	// RuntimeName is the alias of runtime.Session that the session type
	// embeds. An embedded field takes the name of its alias, so the field
	// is unexported while runtime.Session's methods are promoted.
	RuntimeName = "runtimeSession"
	// UserSessionsName is the function that lists a user's sessions by the
	// schema's user type, generated when the schema has a user block.
	UserSessionsName = "UserSessions"
	// DeleteUserSessionsName is the function that deletes a user's
	// sessions by the schema's user type, generated when the schema has a
	// user block.
	DeleteUserSessionsName = "DeleteUserSessions"
)

// DropOnSignInName is the unexported method of the session type that
// removes the keys marked on_sign_in: drop, which the generated SignIn and
// CycleKey call, generated when the schema has such keys.
const DropOnSignInName = "dropOnSignIn"

// PolicyVar returns the name of the unexported variable that holds the
// runtime.Policy of the key whose Go name is goName, generated for a key
// with a ttl or encrypted: OneTimeCode → oneTimeCodePolicy, APIToken →
// apiTokenPolicy. Distinct Go names give distinct variables, none of them
// a name of TopLevel.
func PolicyVar(goName string) string {
	runes := []rune(goName)
	n := 0
	for n < len(runes) && unicode.IsUpper(runes[n]) {
		n++
	}
	if n > 1 && n < len(runes) && unicode.IsLower(runes[n]) {
		n-- // the last capital starts the next word: APIToken → api + Token
	}
	for i := range n {
		runes[i] = unicode.ToLower(runes[i])
	}
	return string(runes) + "Policy"
}

// TopLevel lists the generated top-level identifiers of every schema.
var TopLevel = []string{TypeName, RuntimeName, FromName, FromContextName, KeysName}

// UserTopLevel lists the further top-level identifiers generated for a
// schema with a user block.
var UserTopLevel = []string{UserSessionsName, DeleteUserSessionsName}

// InterfaceMethods lists method names that standard interfaces, go vet or
// encoding packages give a meaning to (fmt.Stringer, error, json.Marshaler,
// io.ReaderFrom, ...). A key whose getter took one of these names would
// change how the session type is printed, encoded or checked, so such keys
// are rejected.
var InterfaceMethods = []string{
	"As", "Error", "Format", "GoString", "GobDecode", "GobEncode", "Is",
	"MarshalBinary", "MarshalJSON", "MarshalText", "MarshalXML", "Peek",
	"ReadByte", "ReadFrom", "ReadRune", "Scan", "Seek", "String",
	"UnmarshalBinary", "UnmarshalJSON", "UnmarshalText", "UnmarshalXML",
	"UnreadByte", "UnreadRune", "Unwrap", "WriteByte", "WriteTo",
}
