package breaking

import (
	"math"
	"strconv"
	"testing"

	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// TestConvertUser checks the verdicts on changes of the user type, whose
// ids are stored as text.
func TestConvertUser(t *testing.T) {
	tests := []struct {
		from, to string
		want     Verdict
	}{
		{"string", "string", Same},
		{"int64", "int", Safe},
		{"byte", "uint8", Same},
		{"example.com/a.ID", "example.com/a.ID", Same},
		{"int32", "int64", Safe},
		{"uint32", "int64", Safe},
		{"uint8", "uint64", Safe},
		{"int16", "float32", Safe},
		{"float32", "float64", Safe},
		{"int64", "string", Safe},
		{"bool", "string", Safe},
		{"float64", "string", Safe},
		{"example.com/a.ID", "string", Safe},
		{"string", "int64", Incompatible},
		{"string", "bool", Incompatible},
		{"string", "example.com/a.ID", Incompatible},
		{"int64", "int32", Incompatible},
		{"int64", "uint64", Incompatible},
		{"uint64", "int64", Incompatible},
		{"int64", "float64", Incompatible}, // rounded ids name other users
		{"float64", "int64", Incompatible},
		{"float64", "float32", Incompatible},
		{"bool", "int", Incompatible},
		{"int", "bool", Incompatible},
		{"int64", "example.com/a.ID", Incompatible},
		{"example.com/a.ID", "int64", Incompatible},
		{"example.com/a.ID", "example.com/b.ID", Incompatible},
		{"time.Time", "example.com/a.ID", Incompatible},
	}
	for _, tt := range tests {
		v, why := ConvertUser(mustType(t, tt.from), mustType(t, tt.to))
		if v != tt.want {
			t.Errorf("ConvertUser(%s, %s) = %v (%s), want %v", tt.from, tt.to, v, why, tt.want)
		}
		if (v == Incompatible) != (why != "") {
			t.Errorf("ConvertUser(%s, %s) = %v with reason %q", tt.from, tt.to, v, why)
		}
	}
}

// TestConvertUserTable checks every pair of the table's predeclared types:
// the verdict is never Lossy, a change to string is safe, and a change is
// not incompatible only when the new type's parser takes every text form of
// the old one, which a few extreme ids try.
func TestConvertUserTable(t *testing.T) {
	var basics []*spec.Type
	for _, e := range gotype.All() {
		if e.Path == "" {
			basics = append(basics, mustType(t, e.Name))
		}
	}
	for _, from := range basics {
		for _, to := range basics {
			v, _ := ConvertUser(from, to)
			switch {
			case v == Lossy:
				t.Errorf("ConvertUser(%s, %s) = Lossy", from, to)
			case to.Name == "string" && v != Safe && v != Same:
				t.Errorf("ConvertUser(%s, string) = %v, want safe", from, v)
			}
			for _, text := range extremeIDs(t, from) {
				if err := parseID(t, to, text); err != nil && v != Incompatible {
					t.Errorf("ConvertUser(%s, %s) = %v, but the stored id %s does not parse: %v", from, to, v, text, err)
				}
			}
		}
	}
}

// mustType parses s.
func mustType(t *testing.T, s string) *spec.Type {
	t.Helper()
	typ, err := spec.ParseType(s)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

// extremeIDs returns the text forms of extreme ids of the basic type typ,
// as the generated SignIn writes them.
func extremeIDs(t *testing.T, typ *spec.Type) []string {
	info, _ := typ.Info()
	switch info.Kind {
	case gotype.Bool:
		return []string{"true", "false"}
	case gotype.String:
		return []string{"alice", ""}
	case gotype.Int:
		return []string{strconv.FormatInt(-1<<(info.Bits-1), 10), strconv.FormatInt(1<<(info.Bits-1)-1, 10)}
	case gotype.Uint:
		return []string{"0", strconv.FormatUint(math.MaxUint64>>(64-info.Bits), 10)}
	case gotype.Float:
		max := math.MaxFloat64
		if info.Bits == 32 {
			max = math.MaxFloat32
		}
		return []string{strconv.FormatFloat(max, 'g', -1, info.Bits), strconv.FormatFloat(-max, 'g', -1, info.Bits), "0.5"}
	}
	t.Fatalf("no extreme ids for %s", typ)
	return nil
}

// parseID parses text as the generated BoundUser does for the basic type
// typ.
func parseID(t *testing.T, typ *spec.Type, text string) error {
	info, _ := typ.Info()
	var err error
	switch info.Kind {
	case gotype.Bool:
		_, err = strconv.ParseBool(text)
	case gotype.String:
	case gotype.Int:
		_, err = strconv.ParseInt(text, 10, info.Bits)
	case gotype.Uint:
		_, err = strconv.ParseUint(text, 10, info.Bits)
	case gotype.Float:
		_, err = strconv.ParseFloat(text, info.Bits)
	default:
		t.Fatalf("cannot parse %s", typ)
	}
	return err
}
