package pgstore

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestSplitObjectMatchesUnmarshal(t *testing.T) {
	for _, in := range []string{
		`{}`, ` { } `, `{"a": 1}`, `{"a": "x\"}y", "b": [1, {"c": "]"}], "d": {"e": null}, "f": true, "g": -1.5e3}`,
		`{"k\u00e9y": "v", "x\\": "\\"}`, `{"a":1,"b":2}`,
	} {
		var want map[string]json.RawMessage
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		got, err := splitObject([]byte(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{``, `[]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1} x`, `{"a":"x}`, `{"a":[1}`} {
		if got, err := splitObject([]byte(in)); err == nil {
			t.Errorf("%q: got %q, want an error", in, got)
		}
	}
}

func FuzzSplitObject(f *testing.F) {
	f.Add(`{"a": 1, "b": [1, "]"], "c": {"d": "\""}}`)
	f.Fuzz(func(t *testing.T, in string) {
		var want map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &want) != nil || want == nil {
			return
		}
		got, err := splitObject([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		for k, v := range want {
			var a, b any
			_ = json.Unmarshal(v, &a)
			if json.Unmarshal(got[k], &b) != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("%q: key %q: got %q, want %q", in, k, got[k], v)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d keys, want %d", in, len(got), len(want))
		}
	})
}
