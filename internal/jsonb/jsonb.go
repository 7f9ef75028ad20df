// Package jsonb compares JSON values as PostgreSQL's jsonb type does, for
// the code that must agree with it: memstore, which checks a Change's
// Expect as pgstore's SQL does, and the store conformance suite, which
// compares what a store returns with what it was given.
package jsonb

import (
	"bytes"
	"encoding/json"
	"math/big"
	"reflect"
)

// Equal reports whether a and b hold JSON values that jsonb holds equal:
// objects whatever the order of their keys, numbers by their exact value
// (1.0 equals 1, 1e2 equals 100, but 9007199254740993 does not equal
// 9007199254740992), strings once unescaped. Something that is not JSON
// equals nothing, not even itself.
func Equal(a, b []byte) bool {
	av, err := decode(a)
	if err != nil {
		return false
	}
	bv, err := decode(b)
	if err != nil {
		return false
	}
	return reflect.DeepEqual(av, bv)
}

// decode decodes the JSON b with each number as its exact value.
func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return exact(v), nil
}

// exact replaces each json.Number in v by its value as a fraction in
// lowest terms, written out, which reflect.DeepEqual compares by value.
func exact(v any) any {
	switch v := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(string(v))
		if !ok {
			return number(v) // an exponent too large for big.Rat: compared as written
		}
		return number(r.RatString())
	case []any:
		for i := range v {
			v[i] = exact(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = exact(v[k])
		}
	}
	return v
}

// number is a JSON number as an exact fraction, never equal to a string.
type number string
