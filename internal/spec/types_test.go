package spec_test

import (
	"fmt"
	"math/big"
	"reflect"
	"testing"

	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
	"github.com/sessiongen/sessiongen/internal/spectest"
)

// unfit returns defaults that do not fit the type e, as a schema writes
// them, each with its message after the position.
func unfit(e gotype.Type) map[string]string {
	switch e.Kind {
	case gotype.Bool:
		return map[string]string{"1": "default 1 is not a bool: want true or false"}
	case gotype.String:
		return map[string]string{"42": "default 42 is not a string: quote it"}
	case gotype.Float:
		return map[string]string{
			"abc":  fmt.Sprintf("default abc is not a valid %s", e),
			".nan": "default .nan cannot be stored as JSON: want a finite number",
		}
	case gotype.Duration:
		return map[string]string{"90": fmt.Sprintf(`default "90" is not a valid %s: want a duration such as 90s or 1h30m`, e)}
	case gotype.Int, gotype.Uint:
		lo, hi := spectest.Bounds(e)
		below := new(big.Int).Sub(lo, big.NewInt(1))
		above := new(big.Int).Add(hi, big.NewInt(1))
		negative := ""
		if e.Kind == gotype.Uint {
			negative = ": it is negative"
		}
		return map[string]string{
			above.String(): fmt.Sprintf("default %s overflows %s", above, e),
			below.String(): fmt.Sprintf("default %s overflows %s%s", below, e, negative),
			"1.5":          fmt.Sprintf("default 1.5 is not a valid %s", e),
		}
	}
	return map[string]string{"1": fmt.Sprintf("type %s cannot have a default: only predeclared types, %s, and slices and maps of them can", e, spec.NamedDefaults)}
}

// TestTable checks that the reader knows every type of the table gotype,
// alone and in slices and maps, and reads the defaults of each by its kind:
// those that fit it, which print as text that reads back as the same
// default, and those that do not, with their messages.
func TestTable(t *testing.T) {
	for _, e := range gotype.All() {
		t.Run(e.String(), func(t *testing.T) {
			for _, form := range []string{"%s", "[]%s", "map[string]%s", "[]map[string]%s"} {
				typ := fmt.Sprintf(form, e)
				parsed, err := spec.ParseType(typ)
				if err != nil {
					t.Fatalf("ParseType(%q): %v", typ, err)
				}
				if parsed.String() != typ {
					t.Errorf("ParseType(%q).String() = %q", typ, parsed)
				}
				elem := parsed
				for elem.Elem != nil {
					elem = elem.Elem
				}
				if info, ok := elem.Info(); !ok || info != e {
					t.Errorf("ParseType(%q): Info() of %s = %+v, %v", typ, elem, info, ok)
				}
				if (elem.Kind == spec.Basic) != (e.Path == "") {
					t.Errorf("ParseType(%q): %s has Kind %d", typ, elem, elem.Kind)
				}
			}
			for _, def := range spectest.Defaults(e) {
				roundTrip(t, e.String(), def)
				roundTrip(t, "[]"+e.String(), "["+def+", "+def+"]")
				roundTrip(t, "map[string]"+e.String(), "{a: "+def+", b: "+def+"}")
			}
			for def, msg := range unfit(e) {
				_, err := spec.Read("s.yaml", []byte(spectest.WithDefault(e.String(), def)))
				if want := "s.yaml:4:14: " + msg; err == nil || err.Error() != want {
					t.Errorf("default %s: got %v, want %s", def, err, want)
				}
			}
		})
	}
}

// roundTrip checks that Read accepts the default def of type typ, and
// that the default's Text reads back as the same default.
func roundTrip(t *testing.T, typ, def string) {
	t.Helper()
	s, err := spec.Read("s.yaml", []byte(spectest.WithDefault(typ, def)))
	if err != nil {
		t.Errorf("default %s of %s: %v", def, typ, err)
		return
	}
	k := s.Keys[0]
	text := k.Default.Text(k.Type)
	again, err := spec.Read("s.yaml", []byte(spectest.WithDefault(typ, text)))
	if err != nil {
		t.Errorf("default %s of %s prints as %s, which does not read back: %v", def, typ, text, err)
		return
	}
	if got := again.Keys[0].Default; !reflect.DeepEqual(got, k.Default) {
		t.Errorf("default %s of %s prints as %s, which reads back as %+v, not %+v", def, typ, text, got, k.Default)
	}
}

// TestText checks how defaults print.
func TestText(t *testing.T) {
	tests := []struct {
		typ, def, want string
	}{
		{"bool", "true", "true"},
		{"string", "light", `"light"`},
		{"string", `"say \"hi\"\n"`, `"say \"hi\"\n"`},
		{"int8", "-128", "-128"},
		{"uint64", "18446744073709551615", "18446744073709551615"},
		{"float32", "0.1", "0.1"},
		{"float64", "0.1", "0.1"},
		{"float64", "1e21", "1e+21"},
		{"time.Duration", "90s", "1m30s"},
		{"[]string", "[new, sale]", `["new", "sale"]`},
		{"map[string]int", "{b: 2, a: 1}", `{"a": 1, "b": 2}`},
		{"map[string][]time.Duration", "{x: [1h, 0s]}", `{"x": [1h0m0s, 0s]}`},
	}
	for _, tt := range tests {
		k := spectest.Read(t, "s.yaml", spectest.WithDefault(tt.typ, tt.def)).Keys[0]
		if got := k.Default.Text(k.Type); got != tt.want {
			t.Errorf("default %s of %s: Text = %s, want %s", tt.def, tt.typ, got, tt.want)
		}
	}
}
