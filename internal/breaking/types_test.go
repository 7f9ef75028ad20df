package breaking

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"

	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
	"github.com/sessiongen/sessiongen/internal/spectest"
)

// TestConvert checks the compatibility table of type changes.
func TestConvert(t *testing.T) {
	tests := []struct {
		from, to string
		want     Verdict
	}{
		// The same type, spelt alike or not.
		{"int64", "int64", Same},
		{"byte", "uint8", Same},
		{"[]uint8", "[]byte", Same},
		{"rune", "int32", Same},
		{"map[string][]rune", "map[string][]int32", Same},
		{"example.com/m.Prefs", "example.com/m.Prefs", Same},
		// Widenings JSON numbers carry.
		{"int8", "int16", Safe},
		{"int32", "int64", Safe},
		{"int", "int64", Safe},
		{"int64", "int", Safe}, // int has 64 bits on the platforms that serve sessions
		{"uint8", "uint64", Safe},
		{"uint32", "int64", Safe},
		{"uint8", "int16", Safe},
		{"float32", "float64", Safe},
		{"int32", "float64", Safe},
		{"uint32", "float64", Safe},
		{"int16", "float32", Safe},
		{"[]int32", "[]int64", Safe},
		{"map[string]int8", "map[string]float64", Safe},
		// Integers a float rounds.
		{"int64", "float64", Lossy},
		{"uint64", "float64", Lossy},
		{"int32", "float32", Lossy},
		{"[]int", "[]float64", Lossy},
		// Narrowings and sign changes.
		{"int64", "int32", Incompatible},
		{"uint64", "int64", Incompatible},
		{"uint32", "int32", Incompatible},
		{"int8", "uint64", Incompatible},
		{"float64", "float32", Incompatible},
		{"float32", "int64", Incompatible},
		{"[]int64", "[]int8", Incompatible},
		// Other JSON forms.
		{"int64", "string", Incompatible},
		{"string", "int64", Incompatible},
		{"bool", "int", Incompatible},
		{"[]string", "string", Incompatible},
		{"string", "[]string", Incompatible},
		{"map[string]int", "[]int", Incompatible},
		{"[]int", "map[string]int", Incompatible},
		{"[]byte", "[]int", Incompatible},
		{"[]int", "[]byte", Incompatible},
		{"[]byte", "string", Incompatible},
		{"map[string][]byte", "map[string][]uint16", Incompatible},
		// Named types: by name only.
		{"time.Time", "string", Incompatible},
		{"string", "time.Time", Incompatible},
		{"int64", "time.Duration", Incompatible},
		{"time.Duration", "int64", Incompatible},
		{"example.com/m.Prefs", "example.com/n.Prefs", Incompatible},
		{"example.com/m.Prefs", "example.com/m.Settings", Incompatible},
		{"[]example.com/m.Prefs", "[]example.com/n.Prefs", Incompatible},
	}
	for _, tt := range tests {
		from, err := spec.ParseType(tt.from)
		if err != nil {
			t.Fatal(err)
		}
		to, err := spec.ParseType(tt.to)
		if err != nil {
			t.Fatal(err)
		}
		got, why := Convert(from, to)
		if got != tt.want {
			t.Errorf("Convert(%s, %s) = %d (%s), want %d", tt.from, tt.to, got, why, tt.want)
		}
		if (got == Lossy || got == Incompatible) != (why != "") {
			t.Errorf("Convert(%s, %s) = %d with reason %q", tt.from, tt.to, got, why)
		}
	}
}

// goTypes are Go types of every kind and size of number, for
// encoding/json to decode stored values into.
var goTypes = []reflect.Type{
	reflect.TypeFor[int8](), reflect.TypeFor[int16](), reflect.TypeFor[int32](), reflect.TypeFor[int64](),
	reflect.TypeFor[uint8](), reflect.TypeFor[uint16](), reflect.TypeFor[uint32](), reflect.TypeFor[uint64](),
	reflect.TypeFor[float32](), reflect.TypeFor[float64](),
}

// goType returns the Go type of e's kind and size of number.
func goType(t *testing.T, e gotype.Type) reflect.Type {
	t.Helper()
	for _, g := range goTypes {
		kind := gotype.Int
		if g.Kind() >= reflect.Uint && g.Kind() <= reflect.Uint64 {
			kind = gotype.Uint
		} else if g.Kind() == reflect.Float32 || g.Kind() == reflect.Float64 {
			kind = gotype.Float
		}
		if kind == e.Kind && g.Bits() == e.Bits {
			return g
		}
	}
	t.Fatalf("no Go type for %s", e)
	return nil
}

// probes returns values of the number type e that probe a change of type:
// its extremes and, for a float, a fraction.
func probes(e gotype.Type) []string {
	if e.Kind != gotype.Float {
		lo, hi := spectest.Bounds(e)
		return []string{lo.String(), "0", hi.String()}
	}
	max := math.MaxFloat64
	if e.Bits == 32 {
		max = math.MaxFloat32
	}
	return []string{"0.5", strconv.FormatFloat(-max, 'g', -1, e.Bits), strconv.FormatFloat(max, 'g', -1, e.Bits)}
}

// decode reads the stored value of from, written as JSON, as to, the way
// encoding/json reads a session value whose type changed. It reports
// whether the value decodes, and whether it keeps its meaning: to's value,
// stored again and read as from, is the value first stored.
func decode(from, to reflect.Type, stored []byte) (decodes, kept bool) {
	old := reflect.New(from)
	if err := json.Unmarshal(stored, old.Interface()); err != nil {
		panic(err)
	}
	stored, _ = json.Marshal(old.Elem().Interface())
	v := reflect.New(to)
	if json.Unmarshal(stored, v.Interface()) != nil {
		return false, false
	}
	again, _ := json.Marshal(v.Elem().Interface())
	back := reflect.New(from)
	return true, json.Unmarshal(again, back.Interface()) == nil && back.Elem().Equal(old.Elem())
}

// TestConvertTable checks Convert on every pair of types of the table
// gotype, alone and in maps: a type is the same as itself and its
// aliases, and differs from every type of another JSON form. Between two
// numbers, the verdict must be what encoding/json does to probe values:
// Safe when each decodes and keeps its meaning, Lossy when each decodes
// but one changes, Incompatible when one no longer decodes.
func TestConvertTable(t *testing.T) {
	isNumber := func(e gotype.Type) bool {
		return e.Kind == gotype.Int || e.Kind == gotype.Uint || e.Kind == gotype.Float
	}
	for _, a := range gotype.All() {
		for _, b := range gotype.All() {
			want := Incompatible
			switch {
			case a.Canonical() == b.Canonical():
				want = Same
			case isNumber(a) && isNumber(b) && a.Path == "" && b.Path == "":
				want = Safe
				for _, p := range probes(a) {
					switch decodes, kept := decode(goType(t, a), goType(t, b), []byte(p)); {
					case !decodes:
						want = Incompatible
					case !kept && want == Safe:
						want = Lossy
					}
				}
			}
			for _, form := range []string{"%s", "map[string]%s"} {
				from, err1 := spec.ParseType(fmt.Sprintf(form, a))
				to, err2 := spec.ParseType(fmt.Sprintf(form, b))
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if got, why := Convert(from, to); got != want {
					t.Errorf("Convert(%s, %s) = %d (%s), want %d", from, to, got, why, want)
				}
			}
		}
	}
}
