package runtime

import "testing"

func TestHasNUL(t *testing.T) {
	tests := map[string]bool{
		`"plain"`:              false,
		`"\u0000"`:             true,
		`"a\u0000b"`:           true,
		`"\\u0000"`:            false, // an escaped backslash, then text
		`"\\\u0000"`:           true,
		`{"k":["x","\u0000"]}`: true,
		`"\u00001"`:            true,
		`"\u0001"`:             false,
	}
	for in, want := range tests {
		if got := hasNUL([]byte(in)); got != want {
			t.Errorf("hasNUL(%s) = %v, want %v", in, got, want)
		}
	}
}
