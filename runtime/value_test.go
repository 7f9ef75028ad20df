package runtime

import "testing"

func TestUnstorable(t *testing.T) {
	tests := map[string]bool{
		`"plain"`:                   false,
		`"\u0000"`:                  true,
		`"a\u0000b"`:                true,
		`"\\u0000"`:                 false, // an escaped backslash, then text
		`"\\\u0000"`:                true,
		`{"k":["x","\u0000"]}`:      true,
		`"\u00001"`:                 true,
		`"\u0001"`:                  false,
		`"\ud800"`:                  true,  // a lone high half
		`"\udc00"`:                  true,  // a lone low half
		`"\uD83D\uDE00"`:            false, // a pair: U+1F600
		`"\ud83d\u0041"`:            true,  // a high half, then not a low one
		`"\ud83d"`:                  true,
		`"\ud83d\ud83d\ude00"`:      true, // the first high half is alone
		`"\\ud800"`:                 false,
		`["\ud83d\ude00","\u00e9"]`: false,
		"\"\xed\xa0\x80\"":          true, // a surrogate in raw bytes is not UTF-8
		"\"\xff\"":                  true,
		`"é"`:                       false,
	}
	for in, want := range tests {
		if got := unstorable([]byte(in)) != nil; got != want {
			t.Errorf("unstorable(%s) = %v, want an error: %v", in, unstorable([]byte(in)), want)
		}
	}
}
