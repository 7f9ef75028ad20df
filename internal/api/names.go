package api

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
