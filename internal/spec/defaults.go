package spec

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/internal/gotype"
	"gopkg.in/yaml.v3"
)

// value reads the default n of a key of type t, recording why it does not
// fit. The table gotype says how a default of each type is written: the
// predeclared types and time.Duration (written as "90s", "1h30m") take
// one, and so do slices and maps of them, written as YAML sequences and
// mappings. Other named types, time.Time among them, cannot be checked
// here and take no default.
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
	}
	info, _ := t.Info()
	switch info.Kind {
	case gotype.NoDefault:
		r.errorf(n, "type %s cannot have a default: only predeclared types, %s, and slices and maps of them can", t, namedDefaults)
		return nil
	case gotype.Duration:
		return r.durationValue(n)
	}
	if n.Kind != yaml.ScalarNode {
		r.errorf(n, "default for %s must be a single value", t)
		return nil
	}
	switch info.Kind {
	case gotype.Bool:
		return r.boolValue(n)
	case gotype.String:
		return r.stringValue(n)
	case gotype.Float:
		return r.floatValue(n, t, info.Bits)
	case gotype.Uint:
		return r.uintValue(n, t, info.Bits)
	}
	return r.intValue(n, t, info.Bits)
}

// namedDefaults names the named types of the table gotype that take a
// default, for messages: "time.Duration".
var namedDefaults = func() string {
	var names []string
	for _, t := range gotype.All() {
		if t.Path != "" && t.Kind != gotype.NoDefault {
			names = append(names, t.String())
		}
	}
	return strings.Join(names, ", ")
}()

// integer matches a decimal integer too large for YAML to read as one.
var integer = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)

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

// floatValue reads a finite float default that fits in bits.
func (r *reader) floatValue(n *yaml.Node, t *Type, bits int) *Value {
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
	if bits == 32 {
		if math.Abs(f) > math.MaxFloat32 {
			r.errorf(n, "default %s overflows %s", n.Value, t)
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

// Text returns v, a default of type t, as YAML flow text that reads back
// as the same default: true, "light", 20, 1.5, 1m30s, ["new", "sale"],
// {"a": 1}. The text of a default of a predeclared type is also its Go
// constant. Map entries are sorted, as a map has no order, so that equal
// defaults have the same text; they read back in that order.
func (v *Value) Text(t *Type) string {
	switch t.Kind {
	case Slice:
		elems := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			elems[i] = e.Text(t.Elem)
		}
		return "[" + strings.Join(elems, ", ") + "]"
	case Map:
		entries := make([]string, len(v.Entries))
		for i, e := range v.Entries {
			entries[i] = strconv.Quote(e.Key) + ": " + e.Value.Text(t.Elem)
		}
		slices.Sort(entries) // a map has no order: {a: 1, b: 2} is {b: 2, a: 1}
		return "{" + strings.Join(entries, ", ") + "}"
	}
	info, _ := t.Info()
	switch info.Kind {
	case gotype.Duration:
		return v.Duration.String()
	case gotype.Bool:
		return strconv.FormatBool(v.Bool)
	case gotype.String:
		return strconv.Quote(v.String)
	case gotype.Float:
		return strconv.FormatFloat(v.Float, 'g', -1, info.Bits)
	case gotype.Uint:
		return strconv.FormatUint(v.Uint, 10)
	}
	return strconv.FormatInt(v.Int, 10)
}
