// Package gotype is the table of the Go types a session key may have,
// besides slices and maps of them: the predeclared types sessiongen allows
// and the named types whose JSON form it knows. Each entry says how a
// default of the type is written and printed (its Kind), its bit size, and
// the JSON form its values are stored in.
//
// It is the one place that says what a type is. internal/spec accepts
// exactly the predeclared types of the table and reads defaults by their
// kind; internal/gen writes defaults by kind; internal/breaking judges a
// change of type by kind and bit size and names the JSON form in its
// messages; and a test keeps the type pattern of
// schema/sessions.schema.json in step with the table. Adding a predeclared
// type of a kind the table has takes one entry here and its name in that
// pattern (and in README.md): the tests of those packages range over the
// table, so they cover the new type.
package gotype

import "slices"

// Kind says how a default of a type is written in a schema, and so how
// internal/spec reads it and internal/gen and internal/breaking print it.
type Kind int

// The kinds of default.
const (
	// NoDefault is the kind of a type that takes no default, such as
	// time.Time: sessiongen cannot check a value of it.
	NoDefault Kind = iota
	// Bool is true or false.
	Bool
	// String is a YAML string, quoted when YAML would read it as a number
	// or a bool; printed as Go quotes it.
	String
	// Int is a signed integer that fits in the type's Bits, printed in
	// decimal.
	Int
	// Uint is an unsigned integer that fits in the type's Bits, printed in
	// decimal.
	Uint
	// Float is a finite number within the range of the type's Bits,
	// printed in the shortest form that reads back as the same value.
	Float
	// Duration is a duration as time.ParseDuration reads it, such as 90s
	// or 1h30m; printed by time.Duration.String in messages, and as a
	// constant expression such as 90 * time.Second in Go.
	Duration
)

// Type is one entry of the table.
type Type struct {
	// Path is the import path of a named type, such as "time"; "" for a
	// predeclared type.
	Path string
	// Name is the name of a predeclared type ("int64"), or the type name
	// of a named one ("Duration").
	Name string
	// Kind says how a default is written and printed.
	Kind Kind
	// Bits is the bit size of the kinds Int, Uint and Float; 0 for the
	// others. int and uint count 64, as on every 64-bit platform that
	// serves sessions.
	Bits int
	// Mantissa is, for the kind Float, how many bits of an integer the
	// type holds exactly: integers up to 2^Mantissa keep their value. 0
	// for the other kinds.
	Mantissa int
	// Alias is the predeclared type that a predeclared name is another
	// name for: uint8 for byte, int32 for rune. "" for the others.
	Alias string
	// JSON names the JSON form of the type's values, for messages: "JSON
	// numbers".
	JSON string
}

// table holds the entries: the predeclared types, then the named ones.
var table = []Type{
	{Name: "bool", Kind: Bool, JSON: "JSON booleans"},
	{Name: "string", Kind: String, JSON: "JSON strings"},
	{Name: "int", Kind: Int, Bits: 64, JSON: "JSON numbers"},
	{Name: "int8", Kind: Int, Bits: 8, JSON: "JSON numbers"},
	{Name: "int16", Kind: Int, Bits: 16, JSON: "JSON numbers"},
	{Name: "int32", Kind: Int, Bits: 32, JSON: "JSON numbers"},
	{Name: "int64", Kind: Int, Bits: 64, JSON: "JSON numbers"},
	{Name: "uint", Kind: Uint, Bits: 64, JSON: "JSON numbers"},
	{Name: "uint8", Kind: Uint, Bits: 8, JSON: "JSON numbers"},
	{Name: "uint16", Kind: Uint, Bits: 16, JSON: "JSON numbers"},
	{Name: "uint32", Kind: Uint, Bits: 32, JSON: "JSON numbers"},
	{Name: "uint64", Kind: Uint, Bits: 64, JSON: "JSON numbers"},
	{Name: "byte", Kind: Uint, Bits: 8, Alias: "uint8", JSON: "JSON numbers"},
	{Name: "rune", Kind: Int, Bits: 32, Alias: "int32", JSON: "JSON numbers"},
	{Name: "float32", Kind: Float, Bits: 32, Mantissa: 24, JSON: "JSON numbers"},
	{Name: "float64", Kind: Float, Bits: 64, Mantissa: 53, JSON: "JSON numbers"},
	{Path: "time", Name: "Time", Kind: NoDefault, JSON: "RFC 3339 JSON strings"},
	{Path: "time", Name: "Duration", Kind: Duration, JSON: "JSON numbers of nanoseconds"},
}

// key is the import path and name of an entry.
type key struct{ path, name string }

// byKey indexes table by import path and name.
var byKey = func() map[key]Type {
	m := map[key]Type{}
	for _, t := range table {
		m[key{t.Path, t.Name}] = t
	}
	return m
}()

// All returns every entry of the table, the predeclared types first, in a
// new slice.
func All() []Type { return slices.Clone(table) }

// Lookup returns the entry of the type path.name, with path "" for a
// predeclared type, and whether the table has one.
func Lookup(path, name string) (Type, bool) {
	t, ok := byKey[key{path, name}]
	return t, ok
}

// String returns the type as a schema writes it: "int64", "time.Duration".
func (t Type) String() string {
	if t.Path == "" {
		return t.Name
	}
	return t.Path + "." + t.Name
}

// Canonical returns the name of the Go type that t denotes: its Alias, or
// else t.String(). Two entries are the same Go type when their Canonical
// names are equal.
func (t Type) Canonical() string {
	if t.Alias != "" {
		return t.Alias
	}
	return t.String()
}
