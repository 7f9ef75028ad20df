package spec

import "time"

// Schema is a validated sessions.yaml.
type Schema struct {
	// File is the schema's file name, as given to Read.
	File string
	// Package is the package of the generated file, or "" when the schema
	// leaves it to the command (the output folder's package).
	Package string
	// User is the schema's user block, which declares the type of the id
	// a session is bound to, or nil when the schema has none: the id is
	// then a string (see UserType).
	User *User
	// Keys are the session keys in declaration order.
	Keys []*Key
}

// Key is one declared session key.
type Key struct {
	// Name is the key as stored, in snake_case.
	Name string
	// GoName is the exported Go name its methods are built from: user_id
	// → UserID.
	GoName string
	// Type is the key's Go type.
	Type *Type
	// Doc is the key's documentation, without surrounding space; "" when
	// the schema has none.
	Doc string
	// Default is the value the getter returns when the key is not set, or
	// nil for the zero value.
	Default *Value
	// Flash marks a key that is removed from the session when read.
	Flash bool
	// Sensitive marks a key whose value is redacted in the admin page and
	// in logs. It is set for every encrypted key.
	Sensitive bool
	// Encrypted marks a key whose value is stored sealed under the
	// manager's key ring (runtime.Policy.Encrypted).
	Encrypted bool
	// TTL, when positive, is how long a value of the key lasts after it is
	// set (runtime.Policy.TTL).
	TTL time.Duration
	// DropOnSignIn marks a key that SignIn and CycleKey remove from the
	// session (on_sign_in: drop): state for visitors that is not carried
	// into the signed-in session.
	DropOnSignIn bool
	// RenamedFrom are the key's former names, newest first: a session
	// saved before the rename holds the value under one of them. The
	// generated accessors read through them and move the value to Name.
	RenamedFrom []FormerName
	// Deprecated is why the key should no longer be used, or "" when it
	// is not deprecated. Every generated method of the key says so in a
	// "Deprecated:" paragraph.
	Deprecated string
	// Pos is where the key is declared.
	Pos Pos
	// FieldPos is where the value of each field of the declaration is,
	// by field name ("type", "default", ...), for messages about them.
	FieldPos map[string]Pos
}

// FormerName is one entry of a key's renamed_from list.
type FormerName struct {
	// Name is the former key name, as stored by an earlier schema.
	Name string
	// Pos is where it is listed.
	Pos Pos
}

// HasPolicy reports whether the accessors of k pass a runtime.Policy: k has
// a ttl or is encrypted.
func (k *Key) HasPolicy() bool { return k.TTL > 0 || k.Encrypted }

// PosOf returns where the value of field is in k's declaration, or where k
// is declared when the schema does not set that field.
func (k *Key) PosOf(field string) Pos {
	if p, ok := k.FieldPos[field]; ok {
		return p
	}
	return k.Pos
}

// FormerNames returns the names of k's RenamedFrom list, newest first.
func (k *Key) FormerNames() []string {
	names := make([]string, len(k.RenamedFrom))
	for i, f := range k.RenamedFrom {
		names[i] = f.Name
	}
	return names
}

// Value is a validated default value, shaped like its key's type: the field
// that holds it depends on the type.
type Value struct {
	// Bool holds a bool.
	Bool bool
	// String holds a string.
	String string
	// Int holds a value of a signed integer kind.
	Int int64
	// Uint holds a value of an unsigned integer kind.
	Uint uint64
	// Float holds a float32 or float64; always finite.
	Float float64
	// Duration holds a time.Duration.
	Duration time.Duration
	// Elems holds a slice's elements; non-nil, even when empty.
	Elems []*Value
	// Entries holds a map's entries in file order; non-nil, even when
	// empty.
	Entries []Entry
}

// Entry is one entry of a map default.
type Entry struct {
	// Key is the entry's key.
	Key string
	// Value is the entry's value.
	Value *Value
}
