package breaking

import (
	"testing"

	"github.com/sessiongen/sessiongen/internal/spec"
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
