package storedata_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/sessiongen/sessiongen/internal/storedata"
	"github.com/sessiongen/sessiongen/runtime"
)

func TestExpectHolds(t *testing.T) {
	t.Parallel()
	data := map[string]json.RawMessage{"n": json.RawMessage(`1`), "o": json.RawMessage(`{"a":1,"b":2}`)}
	tests := []struct {
		name   string
		expect map[string]json.RawMessage
		want   bool
	}{
		{"none", nil, true},
		{"same bytes", map[string]json.RawMessage{"n": json.RawMessage(`1`)}, true},
		{"same as jsonb", map[string]json.RawMessage{"n": json.RawMessage(`1.0`), "o": json.RawMessage(`{"b":2,"a":1}`)}, true},
		{"other value", map[string]json.RawMessage{"n": json.RawMessage(`2`)}, false},
		{"absent, as expected", map[string]json.RawMessage{"x": nil}, true},
		{"present, expected absent", map[string]json.RawMessage{"n": nil}, false},
		{"absent, expected present", map[string]json.RawMessage{"x": json.RawMessage(`1`)}, false},
	}
	for _, tt := range tests {
		if got := storedata.ExpectHolds(data, tt.expect); got != tt.want {
			t.Errorf("%s: ExpectHolds = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCompactAll(t *testing.T) {
	t.Parallel()
	in := map[string]json.RawMessage{"a": json.RawMessage(` { "x" : [1, 2] } `), "n": nil}
	out, err := storedata.CompactAll(in)
	if err != nil || string(out["a"]) != `{"x":[1,2]}` || string(out["n"]) != "null" {
		t.Errorf("CompactAll = %q, %v", out, err)
	}
	if _, err := storedata.CompactAll(map[string]json.RawMessage{"a": json.RawMessage(`{`)}); err == nil {
		t.Error("CompactAll of invalid JSON: no error")
	}
	if _, err := storedata.CompactAll(map[string]json.RawMessage{"a": json.RawMessage(`"\u0000"`)}); !errors.Is(err, runtime.ErrInvalidValue) {
		t.Errorf("CompactAll of a U+0000: %v, want ErrInvalidValue", err)
	}
}

func TestCheckExpect(t *testing.T) {
	t.Parallel()
	if err := storedata.CheckExpect(map[string]json.RawMessage{"a": nil, "b": json.RawMessage(`1`)}); err != nil {
		t.Errorf("CheckExpect of nil and 1: %v", err)
	}
	if err := storedata.CheckExpect(map[string]json.RawMessage{"a": json.RawMessage(`{`)}); err == nil {
		t.Error("CheckExpect of invalid JSON: no error")
	}
}
