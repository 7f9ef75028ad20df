package runtime

import "time"

// KeyInfo describes one key of a session schema. The file sessiongen
// generates lists its keys this way (its Keys function), so tools such as
// the admin page can label, decode and redact stored values.
type KeyInfo struct {
	// Name is the key as stored, in snake_case.
	Name string
	// GoType is the key's Go type as written in sessions.yaml, with named
	// types by full import path: "[]int64", "example.com/shop/model.Prefs".
	GoType string
	// Doc is the key's documentation.
	Doc string
	// Sensitive marks a value to be redacted wherever it is shown or logged.
	Sensitive bool
	// Flash marks a value that is removed from the session when read.
	Flash bool
	// TTL, when positive, is how long a value of the key lasts after it is
	// written (Policy.TTL).
	TTL time.Duration
	// Encrypted marks a key whose values are stored sealed under the
	// manager's key ring (Policy.Encrypted); such a key is Sensitive too.
	Encrypted bool
	// DropOnSignIn marks a key that the generated SignIn and CycleKey
	// remove: state kept for an anonymous visitor only.
	DropOnSignIn bool
}
