package spec

import (
	"bytes"
	"errors"
	"fmt"
	"go/token"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Read parses and validates the schema src, read from file. It returns the
// schema, or an ErrorList of every problem found, sorted by position.
func Read(file string, src []byte) (*Schema, error) {
	s, problems := ReadAll(file, src)
	if len(problems) > 0 {
		return nil, problems
	}
	return s, nil
}

// ReadAll is Read for a tool that checks more than this package does (the
// generator loads the packages of named types): it returns the schema as
// far as it could be read together with the problems, in order of
// position, so that the tool can report its own problems with the keys
// that did read beside them. The schema is nil when the file held no
// YAML mapping to read keys from.
func ReadAll(file string, src []byte) (*Schema, ErrorList) {
	r := &reader{file: file}
	root := r.parse(src)
	var s *Schema
	if root != nil {
		s = r.schema(root)
		r.checkNames(s)
		r.checkFormerNames(s)
	}
	r.errs.sort()
	return s, r.errs
}

// reader collects the problems of one schema.
type reader struct {
	file  string
	errs  ErrorList
	depth int // how many broken blocks were cut out of the source read
}

// errorf records a problem at node n.
func (r *reader) errorf(n *yaml.Node, format string, args ...any) {
	r.errorAt(r.pos(n), format, args...)
}

// errorAt records a problem at p.
func (r *reader) errorAt(p Pos, format string, args ...any) {
	r.errs = append(r.errs, &Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// pos returns where n is.
func (r *reader) pos(n *yaml.Node) Pos {
	return Pos{File: r.file, Line: n.Line, Col: n.Column}
}

// yamlLine matches the line number in yaml.v3's syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse returns the root node of src, or nil after recording why there is
// none.
func (r *reader) parse(src []byte) (root *yaml.Node) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := r.decode(dec, &doc); err != nil {
		if err == io.EOF {
			r.errs = append(r.errs, &Error{Pos: Pos{File: r.file, Line: 1, Col: 1}, Msg: "empty schema: declare at least one key under keys"})
		} else {
			r.syntaxError(err, src)
		}
		return nil
	}
	var next yaml.Node
	switch err := r.decode(dec, &next); {
	case err == nil:
		r.errorf(&next, "a schema is one YAML document; remove this second one")
		return nil
	case err != io.EOF:
		r.syntaxError(err, src)
		return nil
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		r.errs = append(r.errs, &Error{Pos: Pos{File: r.file, Line: 1, Col: 1}, Msg: "empty schema: declare at least one key under keys"})
		return nil
	}
	return doc.Content[0]
}

// decode decodes the next document of dec into n, turning a panic of the
// YAML parser on hostile input into an error.
func (r *reader) decode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml: malformed YAML (%v)", p)
		}
	}()
	return dec.Decode(n)
}

// unquotedSlice matches a type field whose value starts with [ unquoted,
// which YAML reads as a sequence: type: []int64.
var unquotedSlice = regexp.MustCompile(`^(\s*(?:-\s+)?type:\s*)\[`)

// syntaxError records a YAML syntax error of src: at its line and column
// when the scan of locateSyntaxError finds it, or else at the line yaml.v3
// names. It also points at any slice type left unquoted, the likeliest
// cause. It then records the problems of the rest of src, with the broken
// block cut out.
func (r *reader) syntaxError(err error, src []byte) {
	hint := 0 // the line of the first unquoted slice type
	for i, line := range strings.Split(string(src), "\n") {
		if m := unquotedSlice.FindStringSubmatch(line); m != nil {
			r.errorAt(Pos{File: r.file, Line: i + 1, Col: len(m[1]) + 1},
				"quote types that start with [, as in type: \"[]int64\": YAML reads [ as the start of a list")
			if hint == 0 {
				hint = i + 1
			}
		}
	}
	msg := err.Error()
	pos := Pos{File: r.file}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if pos.Line == 0 || te != nil {
		r.errs = append(r.errs, &Error{Pos: pos, Msg: "YAML syntax error: " + msg})
		return
	}
	switch p, ok := locateSyntaxError(src, pos.Line); {
	case ok && (hint == 0 || p.line < hint):
		r.errorAt(Pos{File: r.file, Line: p.line, Col: p.col}, "%s", p.msg)
		pos.Line = p.line
	case hint > 0:
		// The unquoted slice type says it all.
		pos.Line = hint
	default:
		pos.Col = firstColumn(src, pos.Line)
		r.errs = append(r.errs, &Error{Pos: pos, Msg: "YAML syntax error: " + msg})
	}
	r.recoverAfter(src, pos.Line)
}

// isNull reports whether n is an empty or null scalar.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// usable reports whether n can be looked into, recording a problem for an
// alias: aliases are not supported, so that no value is shared or expanded.
func (r *reader) usable(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		r.errorf(n, "YAML aliases are not supported in a schema")
		return false
	}
	return true
}

// field is one entry of a mapping.
type field struct {
	name  string
	key   *yaml.Node
	value *yaml.Node
}

// fields returns the entries of the mapping n in order, recording unknown
// and duplicate names; what names the mapping in messages.
func (r *reader) fields(n *yaml.Node, allowed []string, what string) []field {
	var out []field
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !r.usable(k) {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			r.errorf(k, "%s has a field whose name is not a string", what)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			if allowed == nil {
				r.errorf(k, "duplicate key %q (first at line %d)", k.Value, first.Line)
			} else {
				r.errorf(k, "duplicate field %q in %s (first at line %d)", k.Value, what, first.Line)
			}
			continue
		}
		seen[k.Value] = k
		if allowed != nil && !contains(allowed, k.Value) {
			r.errorf(k, "unknown field %q in %s (want %s)", k.Value, what, list(allowed))
			continue
		}
		out = append(out, field{k.Value, k, v})
	}
	return out
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// list returns "a, b or c".
func list(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// schema reads the top-level mapping.
func (r *reader) schema(root *yaml.Node) *Schema {
	s := &Schema{File: r.file}
	if !r.usable(root) {
		return s
	}
	if root.Kind != yaml.MappingNode {
		r.errorf(root, "a schema is a mapping with the fields package and keys")
		return s
	}
	var keys *field
	for _, f := range r.fields(root, SchemaFields, "the schema") {
		switch f.name {
		case "package":
			s.Package = r.packageName(f.value)
		case "user":
			s.User = r.user(f)
		case "keys":
			keys = &f
		}
	}
	if keys == nil {
		r.errorf(root, "missing field keys: declare at least one key")
		return s
	}
	s.Keys = r.keys(*keys)
	return s
}

// packageName reads the package field.
func (r *reader) packageName(n *yaml.Node) string {
	name, ok := r.str(n, "package")
	switch {
	case !ok:
		return ""
	case token.IsKeyword(name):
		r.errorf(n, "package %q is a Go keyword", name)
	case !token.IsIdentifier(name) || name == "_":
		r.errorf(n, "package %q is not a valid Go package name", name)
	default:
		return name
	}
	return ""
}

// str returns the string scalar n, recording a problem when it is not one;
// what names the field.
func (r *reader) str(n *yaml.Node, what string) (string, bool) {
	if !r.usable(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		r.errorf(n, "%s must be a string", what)
		return "", false
	}
	return n.Value, true
}

// nonEmpty reports whether n is a sequence or mapping, as kind says, with
// at least one entry, recording a problem when it is not: wrongKind when n
// is of another kind, empty when it has no entry.
func (r *reader) nonEmpty(n *yaml.Node, kind yaml.Kind, wrongKind, empty string) bool {
	switch {
	case !r.usable(n):
		return false
	case n.Kind != kind:
		r.errorf(n, "%s", wrongKind)
	case len(n.Content) == 0:
		r.errorf(n, "%s", empty)
	default:
		return true
	}
	return false
}

// boolean returns the bool scalar n, recording a problem when it is not
// one; what names the field.
func (r *reader) boolean(n *yaml.Node, what string) bool {
	if !r.usable(n) {
		return false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		r.errorf(n, "%s must be true or false", what)
		return false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		r.errorf(n, "%s must be true or false", what)
	}
	return b
}

// keys reads the keys mapping.
func (r *reader) keys(f field) []*Key {
	n := f.value
	if isNull(n) {
		r.errorf(f.key, "no keys declared: declare at least one key under keys")
		return nil
	}
	if !r.nonEmpty(n, yaml.MappingNode, "keys must be a mapping from each key's name to its declaration",
		"no keys declared: declare at least one key under keys") {
		return nil
	}
	var keys []*Key
	for _, kf := range r.fields(n, nil, "keys") {
		if k := r.key(kf); k != nil {
			keys = append(keys, k)
		}
	}
	return keys
}

// key reads one key's declaration. It returns nil when the key's name is
// unusable; other problems are recorded and the key is kept, so that its
// names still take part in the clash checks.
func (r *reader) key(f field) *Key {
	k := &Key{Name: f.name, Pos: r.pos(f.key)}
	if !r.keyName(f.key) {
		return nil
	}
	k.GoName = goName(k.Name)
	n := f.value
	if !r.usable(n) {
		return k
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "key %q must be a mapping with at least a type, such as {type: string}", k.Name)
		return k
	}
	what := fmt.Sprintf("key %q", k.Name)
	var typ, def *yaml.Node
	k.FieldPos = map[string]Pos{}
	for _, kf := range r.fields(n, KeyFields, what) {
		k.FieldPos[kf.name] = r.pos(kf.value)
		switch kf.name {
		case "type":
			typ = kf.value
		case "doc":
			if doc, ok := r.str(kf.value, "doc"); ok {
				k.Doc = strings.TrimSpace(doc)
			}
		case "default":
			def = kf.value
		case "flash":
			k.Flash = r.boolean(kf.value, "flash")
		case "sensitive":
			k.Sensitive = r.boolean(kf.value, "sensitive")
		case "encrypted":
			k.Encrypted = r.boolean(kf.value, "encrypted")
		case "ttl":
			k.TTL = r.ttl(kf.value)
		case "on_sign_in":
			k.DropOnSignIn = r.onSignIn(kf.value)
		case "renamed_from":
			k.RenamedFrom = r.formerNames(kf.value, k.Name)
		case "deprecated":
			k.Deprecated = r.deprecation(kf.value)
		}
	}
	r.checkPolicy(k)
	if typ == nil {
		r.errorf(f.key, "key %q has no type", k.Name)
		return k
	}
	k.Type = r.typ(typ)
	if def != nil && k.Type != nil {
		if k.Flash {
			r.errorf(def, "flash key %q cannot have a default: Pop%s reports whether it was set", k.Name, k.GoName)
		} else {
			k.Default = r.value(def, k.Type)
		}
	}
	return k
}

// typ reads a type field.
func (r *reader) typ(n *yaml.Node) *Type {
	if n.Kind == yaml.SequenceNode {
		r.errorf(n, "type must be a string; quote types that start with [, such as \"[]int64\"")
		return nil
	}
	s, ok := r.str(n, "type")
	if !ok {
		return nil
	}
	t, err := ParseType(s)
	if err != nil {
		r.errorf(n, "%v", err)
		return nil
	}
	return t
}
