package spec

import (
	"math"
	"regexp"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// value reads the default n of a key of type t, recording why it does not
// fit. Defaults are supported for the predeclared types, time.Duration
// (written as "90s", "1h30m") and slices and maps of them, written as YAML
// sequences and mappings. Other named types, time.Time among them, cannot
// be checked here and take no default.
func (r *reader) value(n *yaml.Node, t *Type) *Value {
	if !r.usable(n) {
		return nil
	}
	if isNull(n) {
		r.errorf(n, "default must not be null: leave it out for the zero value")
		return nil
	}
	switch t.Kind {
	case Slice:
		return r.sliceValue(n, t)
	case Map:
		return r.mapValue(n, t)
	case Named:
		if t.Is("time", "Duration") {
			return r.durationValue(n)
		}
		r.errorf(n, "type %s cannot have a default: only predeclared types, time.Duration, and slices and maps of them can", t)
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		r.errorf(n, "default for %s must be a single value", t)
		return nil
	}
	switch t.Name {
	case "bool":
		return r.boolValue(n)
	case "string":
		return r.stringValue(n)
	case "float32", "float64":
		return r.floatValue(n, t)
	}
	bits := basicTypes[t.Name]
	if isUnsigned(t.Name) {
		return r.uintValue(n, t, bits)
	}
	return r.intValue(n, t, bits)
}

// integer matches a decimal integer too large for YAML to read as one.
var integer = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)

// isUnsigned reports whether the basic type name is an unsigned integer.
func isUnsigned(name string) bool {
	switch name {
	case "uint", "uint8", "uint16", "uint32", "uint64", "byte":
		return true
	}
	return false
}

// sliceValue reads a slice default: a YAML sequence.
func (r *reader) sliceValue(n *yaml.Node, t *Type) *Value {
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "default for %s must be a YAML sequence, such as [a, b]", t)
		return nil
	}
	v := &Value{Elems: []*Value{}}
	ok := true
	for _, e := range n.Content {
		ev := r.value(e, t.Elem)
		ok = ok && ev != nil
		v.Elems = append(v.Elems, ev)
	}
	if !ok {
		return nil
	}
	return v
}

// mapValue reads a map default: a YAML mapping.
func (r *reader) mapValue(n *yaml.Node, t *Type) *Value {
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "default for %s must be a YAML mapping, such as {a: b}", t)
		return nil
	}
	v := &Value{Entries: []Entry{}}
	ok := true
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, e := n.Content[i], n.Content[i+1]
		if !r.usable(k) {
			ok = false
			continue
		}
		if k.Kind != yaml.ScalarNode || isNull(k) {
			r.errorf(k, "map key must be a string")
			ok = false
			continue
		}
		if line, dup := seen[k.Value]; dup {
			r.errorf(k, "duplicate map key %q (first at line %d)", k.Value, line)
			ok = false
			continue
		}
		seen[k.Value] = k.Line
		ev := r.value(e, t.Elem)
		ok = ok && ev != nil
		v.Entries = append(v.Entries, Entry{Key: k.Value, Value: ev})
	}
	if !ok {
		return nil
	}
	return v
}

// boolValue reads a bool default.
func (r *reader) boolValue(n *yaml.Node) *Value {
	var b bool
	if n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		r.errorf(n, "default %s is not a bool: want true or false", n.Value)
		return nil
	}
	return &Value{Bool: b}
}

// stringValue reads a string default. YAML reads 42, true or 1.5 as
// numbers and bools; they must be quoted to be strings.
func (r *reader) stringValue(n *yaml.Node) *Value {
	if n.ShortTag() != "!!str" {
		r.errorf(n, "default %s is not a string: quote it", n.Value)
		return nil
	}
	return &Value{String: n.Value}
}

// intValue reads a signed integer default that fits in bits.
func (r *reader) intValue(n *yaml.Node, t *Type, bits int) *Value {
	var i int64
	if n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		if n.ShortTag() == "!!int" || integer.MatchString(n.Value) {
			r.errorf(n, "default %s overflows %s", n.Value, t)
		} else {
			r.errorf(n, "default %s is not a valid %s", n.Value, t)
		}
		return nil
	}
	if bits < 64 && (i < -1<<(bits-1) || i >= 1<<(bits-1)) {
		r.errorf(n, "default %s overflows %s", n.Value, t)
		return nil
	}
	return &Value{Int: i}
}

// uintValue reads an unsigned integer default that fits in bits.
func (r *reader) uintValue(n *yaml.Node, t *Type, bits int) *Value {
	var i int64
	if n.ShortTag() != "!!int" && integer.MatchString(n.Value) {
		r.errorf(n, "default %s overflows %s", n.Value, t)
		return nil
	}
	if n.ShortTag() != "!!int" {
		r.errorf(n, "default %s is not a valid %s", n.Value, t)
		return nil
	}
	if n.Decode(&i) == nil && i < 0 {
		r.errorf(n, "default %s overflows %s: it is negative", n.Value, t)
		return nil
	}
	var u uint64
	if n.Decode(&u) != nil || bits < 64 && u >= 1<<bits {
		r.errorf(n, "default %s overflows %s", n.Value, t)
		return nil
	}
	return &Value{Uint: u}
}

// floatValue reads a finite float default that fits its type.
func (r *reader) floatValue(n *yaml.Node, t *Type) *Value {
	var f float64
	tag := n.ShortTag()
	if tag != "!!float" && tag != "!!int" || n.Decode(&f) != nil {
		r.errorf(n, "default %s is not a valid %s", n.Value, t)
		return nil
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		r.errorf(n, "default %s cannot be stored as JSON: want a finite number", n.Value)
		return nil
	}
	if t.Name == "float32" {
		if math.Abs(f) > math.MaxFloat32 {
			r.errorf(n, "default %s overflows float32", n.Value)
			return nil
		}
		f = float64(float32(f))
	}
	return &Value{Float: f}
}

// durationValue reads a time.Duration default, written as time.ParseDuration
// takes it.
func (r *reader) durationValue(n *yaml.Node) *Value {
	d, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || err != nil {
		r.errorf(n, "default %s is not a valid time.Duration: want a duration such as 90s or 1h30m", strconv.Quote(n.Value))
		return nil
	}
	return &Value{Duration: d}
}
