package gotype

import (
	"go/token"
	"go/types"
	"testing"
)

// kindOf returns the Kind that go/types gives the predeclared type b.
func kindOf(b *types.Basic) Kind {
	switch info := b.Info(); {
	case info&types.IsBoolean != 0:
		return Bool
	case info&types.IsString != 0:
		return String
	case info&types.IsUnsigned != 0:
		return Uint
	case info&types.IsInteger != 0:
		return Int
	case info&types.IsFloat != 0:
		return Float
	}
	return NoDefault
}

// TestPredeclared checks each predeclared entry against Go's own
// description of the type: its kind, its size on amd64, the type it is
// another name for, and how many integer bits a float holds exactly.
func TestPredeclared(t *testing.T) {
	sizes := types.SizesFor("gc", "amd64")
	for _, e := range All() {
		if e.Path != "" {
			continue
		}
		obj, ok := types.Universe.Lookup(e.Name).(*types.TypeName)
		if !ok {
			t.Errorf("%s is not a predeclared type", e)
			continue
		}
		b := obj.Type().(*types.Basic)
		if got := kindOf(b); got != e.Kind {
			t.Errorf("%s: Kind = %d, Go says %d", e, e.Kind, got)
		}
		bits := 0
		if e.Kind == Int || e.Kind == Uint || e.Kind == Float {
			bits = int(8 * sizes.Sizeof(b))
		}
		if e.Bits != bits {
			t.Errorf("%s: Bits = %d, want %d", e, e.Bits, bits)
		}
		alias := types.Typ[b.Kind()].Name()
		if alias == e.Name {
			alias = ""
		}
		if e.Alias != alias {
			t.Errorf("%s: Alias = %q, want %q", e, e.Alias, alias)
		}
		if e.Kind == Float && (!holds(e.Bits, 1<<e.Mantissa-1) || holds(e.Bits, 1<<e.Mantissa+1)) {
			t.Errorf("%s: Mantissa = %d, but it does not hold exactly the integers up to 2^%[2]d", e, e.Mantissa)
		}
		if e.Kind != Float && e.Mantissa != 0 {
			t.Errorf("%s: Mantissa = %d, want 0 for a type that is not a float", e, e.Mantissa)
		}
	}
}

// holds reports whether a float of the given bits holds i exactly.
func holds(bits int, i int64) bool {
	switch bits {
	case 32:
		return int64(float32(i)) == i
	case 64:
		return int64(float64(i)) == i
	}
	panic("no float of this size")
}

// TestEntries checks what every entry needs: a unique name, a JSON form,
// an exported type name for a named type, and an alias that is itself in
// the table with the same kind and size.
func TestEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range All() {
		if seen[e.String()] {
			t.Errorf("%s is listed twice", e)
		}
		seen[e.String()] = true
		if e.JSON == "" {
			t.Errorf("%s has no JSON form", e)
		}
		if e.Path != "" && !token.IsExported(e.Name) {
			t.Errorf("%s: a named type's name must be exported", e)
		}
		if e.Alias == "" {
			continue
		}
		a, ok := Lookup("", e.Alias)
		if !ok || a.Kind != e.Kind || a.Bits != e.Bits || a.Alias != "" {
			t.Errorf("%s is another name for %s, whose entry is %+v", e, e.Alias, a)
		}
	}
}

// TestLookup checks Lookup and the names of entries.
func TestLookup(t *testing.T) {
	tests := []struct {
		path, name string
		ok         bool
		canonical  string
	}{
		{"", "int64", true, "int64"},
		{"", "byte", true, "uint8"},
		{"", "rune", true, "int32"},
		{"time", "Duration", true, "time.Duration"},
		{"time", "Time", true, "time.Time"},
		{"", "int65", false, ""},
		{"", "Duration", false, ""},
		{"", "time.Duration", false, ""},
		{"time", "Sleep", false, ""},
		{"example.com/time", "Duration", false, ""},
	}
	for _, tt := range tests {
		e, ok := Lookup(tt.path, tt.name)
		if ok != tt.ok {
			t.Errorf("Lookup(%q, %q) reports %v, want %v", tt.path, tt.name, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if e.Path != tt.path || e.Name != tt.name {
			t.Errorf("Lookup(%q, %q) = %+v", tt.path, tt.name, e)
		}
		if got := e.Canonical(); got != tt.canonical {
			t.Errorf("Lookup(%q, %q).Canonical() = %q, want %q", tt.path, tt.name, got, tt.canonical)
		}
	}
}
