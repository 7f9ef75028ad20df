package breaking

import (
	"fmt"

	"github.com/sessiongen/sessiongen/internal/spec"
)

// Verdict is what a change of a key's type does to its stored values.
type Verdict int

// The verdicts, from harmless to breaking.
const (
	// Same: the types are the same Go type (byte and uint8, rune and
	// int32 are one type).
	Same Verdict = iota
	// Safe: every stored value decodes into the new type unchanged, as
	// in a widening from int32 to int64.
	Safe
	// Lossy: every stored value decodes, but some lose precision, as
	// int64 values beyond 2^53 do in float64.
	Lossy
	// Incompatible: some or all stored values no longer decode, and read
	// as unset, or may decode with another meaning.
	Incompatible
)

// numeric describes a numeric basic type: its kind ('i' signed, 'u'
// unsigned, 'f' float) and bit size. int and uint count as 64 bits, as on
// every 64-bit platform that serves sessions.
type numeric struct {
	kind byte
	bits int
}

// numerics are the numeric basic types.
var numerics = map[string]numeric{
	"int": {'i', 64}, "int8": {'i', 8}, "int16": {'i', 16}, "int32": {'i', 32}, "int64": {'i', 64}, "rune": {'i', 32},
	"uint": {'u', 64}, "uint8": {'u', 8}, "uint16": {'u', 16}, "uint32": {'u', 32}, "uint64": {'u', 64}, "byte": {'u', 8},
	"float32": {'f', 32}, "float64": {'f', 64},
}

// mantissa is the number of integer bits a float type holds exactly.
var mantissa = map[int]int{32: 24, 64: 53}

// canonical returns the name of the Go type that a basic type name
// denotes: byte is uint8, rune is int32.
func canonical(name string) string {
	switch name {
	case "byte":
		return "uint8"
	case "rune":
		return "int32"
	}
	return name
}

// Convert says what happens to values stored as type from when they are
// read as type to, and why, in a phrase about the stored values. Values
// are stored as JSON, so a change is safe when every JSON value of the old
// type decodes into the new one with the same meaning.
func Convert(from, to *spec.Type) (Verdict, string) {
	if same(from, to) {
		return Same, ""
	}
	switch {
	case isBytes(from) || isBytes(to):
		return Incompatible, mismatch(from, to)
	case from.Kind == spec.Named && to.Kind == spec.Named:
		return Incompatible, fmt.Sprintf("%s and %s are different types, and sessiongen cannot check that "+
			"they share a JSON form and meaning: stored values may read as unset, or mean something else", from, to)
	case from.Kind == spec.Named || to.Kind == spec.Named:
		return Incompatible, fmt.Sprintf("%s; sessiongen does not check a change to or from a named type, "+
			"whose JSON form and meaning are its own: stored values may read as unset, or mean something else", stored(from))
	case from.Kind != to.Kind:
		return Incompatible, mismatch(from, to)
	case from.Kind == spec.Slice || from.Kind == spec.Map:
		// The reason names the element types.
		v, why := Convert(from.Elem, to.Elem)
		if v == Same {
			v = Safe
		}
		return v, why
	}
	return convertBasic(from.Name, to.Name)
}

// convertBasic is Convert for two different basic types.
func convertBasic(from, to string) (Verdict, string) {
	f, fok := numerics[from]
	t, tok := numerics[to]
	if !fok || !tok {
		return Incompatible, mismatch(&spec.Type{Name: from}, &spec.Type{Name: to})
	}
	switch {
	case t.kind == 'f' && f.kind == 'f':
		if t.bits >= f.bits {
			return Safe, ""
		}
		return Incompatible, fmt.Sprintf("stored values beyond the range of %s no longer decode and read as unset", to)
	case t.kind == 'f':
		if f.bits <= mantissa[t.bits] {
			return Safe, ""
		}
		return Lossy, fmt.Sprintf("stored integers beyond 2^%d are rounded", mantissa[t.bits])
	case f.kind == 'f':
		return Incompatible, "stored values with a fraction, or beyond the range of " + to + ", no longer decode and read as unset"
	case f.kind == 'i' && t.kind == 'u':
		return Incompatible, "stored negative values no longer decode and read as unset"
	case f.kind == t.kind && t.bits >= f.bits, f.kind == 'u' && t.kind == 'i' && t.bits > f.bits:
		return Safe, ""
	}
	return Incompatible, fmt.Sprintf("stored values beyond the range of %s no longer decode and read as unset", to)
}

// same reports whether a and b are the same Go type.
func same(a, b *spec.Type) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case spec.Slice, spec.Map:
		return same(a.Elem, b.Elem)
	case spec.Named:
		return a.Path == b.Path && a.Name == b.Name
	}
	return canonical(a.Name) == canonical(b.Name)
}

// isBytes reports whether t is []byte, which JSON stores as a base64
// string rather than an array.
func isBytes(t *spec.Type) bool {
	return t.Kind == spec.Slice && t.Elem.Kind == spec.Basic && canonical(t.Elem.Name) == "uint8"
}

// mismatch says that from's values do not decode into to.
func mismatch(from, to *spec.Type) string {
	return fmt.Sprintf("%s, which do not decode into %s; they read as unset", stored(from), to)
}

// stored says how values of t are stored, for messages: "int64 values are
// stored as JSON numbers".
func stored(t *spec.Type) string {
	return fmt.Sprintf("%s values are stored as %s", t, shape(t))
}

// shape names the JSON form of t's values.
func shape(t *spec.Type) string {
	switch {
	case isBytes(t):
		return "base64 JSON strings"
	case t.Is("time", "Time"):
		return "RFC 3339 JSON strings"
	case t.Is("time", "Duration"):
		return "JSON numbers of nanoseconds"
	case t.Kind == spec.Slice:
		return "JSON arrays"
	case t.Kind == spec.Map:
		return "JSON objects"
	case t.Kind == spec.Named:
		return "the JSON form of " + t.Name
	case t.Name == "bool":
		return "JSON booleans"
	case t.Name == "string":
		return "JSON strings"
	}
	return "JSON numbers"
}
