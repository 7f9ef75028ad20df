package breaking

import (
	"fmt"

	"github.com/sessiongen/sessiongen/internal/gotype"
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
	return convertBasic(from, to)
}

// convertBasic is Convert for two different basic types, by the kind and
// bit size that the table gotype gives them.
func convertBasic(from, to *spec.Type) (Verdict, string) {
	f, _ := from.Info()
	t, _ := to.Info()
	if !isNumber(f) || !isNumber(t) {
		return Incompatible, mismatch(from, to)
	}
	switch {
	case t.Kind == gotype.Float && f.Kind == gotype.Float:
		if t.Bits >= f.Bits {
			return Safe, ""
		}
		return Incompatible, fmt.Sprintf("stored values beyond the range of %s no longer decode and read as unset", to)
	case t.Kind == gotype.Float:
		if f.Bits <= t.Mantissa {
			return Safe, ""
		}
		return Lossy, fmt.Sprintf("stored integers beyond 2^%d are rounded", t.Mantissa)
	case f.Kind == gotype.Float:
		return Incompatible, fmt.Sprintf("stored values with a fraction, or beyond the range of %s, no longer decode and read as unset", to)
	case f.Kind == gotype.Int && t.Kind == gotype.Uint:
		return Incompatible, "stored negative values no longer decode and read as unset"
	case f.Kind == t.Kind && t.Bits >= f.Bits, f.Kind == gotype.Uint && t.Kind == gotype.Int && t.Bits > f.Bits:
		return Safe, ""
	}
	return Incompatible, fmt.Sprintf("stored values beyond the range of %s no longer decode and read as unset", to)
}

// isNumber reports whether t is of a kind stored as a JSON number: an
// integer or a float.
func isNumber(t gotype.Type) bool {
	return t.Kind == gotype.Int || t.Kind == gotype.Uint || t.Kind == gotype.Float
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
	return canonical(a) == canonical(b)
}

// canonical returns the name of the Go type that the basic type t denotes:
// byte is uint8, rune is int32.
func canonical(t *spec.Type) string {
	info, _ := t.Info()
	return info.Canonical()
}

// isBytes reports whether t is []byte, which JSON stores as a base64
// string rather than an array.
func isBytes(t *spec.Type) bool {
	return t.Kind == spec.Slice && t.Elem.Kind == spec.Basic && canonical(t.Elem) == "uint8"
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
	case t.Kind == spec.Slice:
		return "JSON arrays"
	case t.Kind == spec.Map:
		return "JSON objects"
	}
	if info, ok := t.Info(); ok {
		return info.JSON
	}
	return "the JSON form of " + t.Name
}
