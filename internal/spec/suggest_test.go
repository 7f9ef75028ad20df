package spec

import "testing"

// TestSuggestions checks the did-you-mean of unknown and cgo types.
func TestSuggestions(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"integer64", `unknown type "integer64"; did you mean "int64"?`},
		{"integer", `unknown type "integer"; did you mean "int"?`},
		{"[]float", `unknown type "[]float"; did you mean "[]float64"?`},
		{"map[string]boolean", `unknown type "map[string]boolean"; did you mean "map[string]bool"?`},
		{"double", `unknown type "double"; did you mean "float64"?`},
		{"Int64", `unknown type "Int64"; did you mean "int64"?`},
		{"strng", `unknown type "strng"; did you mean "string"?`},
		{"int65", `unknown type "int65"; did you mean "int64"?`},
		{"int1", `unknown type "int1"`}, // int, int8 and int16 are as close
		{"any", `unknown type "any"`},
		{"C.int", `type "C.int" is from cgo's pseudo-package C, whose values JSON cannot store; use a Go type such as int64 or string`},
		{"[]C.Struct", `type "[]C.Struct" is from cgo's pseudo-package C, whose values JSON cannot store; use a Go type such as int64 or string`},
	} {
		_, err := ParseType(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseType(%q): %v, want %s", tt.in, err, tt.want)
		}
	}
	if _, err := ParseType("example.com/C.T"); err != nil {
		t.Errorf("a package whose last element is C: %v", err)
	}
}
