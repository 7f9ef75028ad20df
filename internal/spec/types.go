package spec

import (
	"fmt"
	"go/token"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sessiongen/sessiongen/internal/gotype"
)

// Kind is the form of a Type.
type Kind int

// The forms of a type.
const (
	// Basic is a predeclared type that the table gotype lists, such as
	// bool, int64 or byte.
	Basic Kind = iota
	// Slice is []Elem.
	Slice
	// Map is map[string]Elem.
	Map
	// Named is a named type by import path, such as time.Time or
	// example.com/shop/model.Prefs.
	Named
)

// Type is a key's Go type.
type Type struct {
	// Kind is the type's form.
	Kind Kind
	// Name is the predeclared name of a Basic type, or the type name of a
	// Named one ("Time", "Prefs").
	Name string
	// Path is the import path of a Named type ("time",
	// "example.com/shop/model").
	Path string
	// Elem is the element type of a Slice or Map.
	Elem *Type
}

// String returns the type as written in a schema: "[]int64",
// "map[string]example.com/shop/model.Prefs".
func (t *Type) String() string {
	switch t.Kind {
	case Slice:
		return "[]" + t.Elem.String()
	case Map:
		return "map[string]" + t.Elem.String()
	case Named:
		return t.Path + "." + t.Name
	}
	return t.Name
}

// Is reports whether t is the named type path.name.
func (t *Type) Is(path, name string) bool {
	return t.Kind == Named && t.Path == path && t.Name == name
}

// Info returns t's entry in the table of types, gotype, and whether it
// has one: every Basic type has, and so have the named types whose JSON
// form sessiongen knows, such as time.Duration. Slices, maps and other
// named types have none.
func (t *Type) Info() (gotype.Type, bool) {
	switch t.Kind {
	case Basic:
		return gotype.Lookup("", t.Name)
	case Named:
		return gotype.Lookup(t.Path, t.Name)
	}
	return gotype.Type{}, false
}

// ParseType parses a type as written in a schema. Named types other than
// the predeclared ones are written with their full import path:
// time.Time, example.com/shop/model.Prefs.
func ParseType(s string) (*Type, error) {
	return parseType(s, s)
}

// parseType parses s, a part of the type full.
func parseType(full, s string) (*Type, error) {
	switch {
	case s == "":
		if full == "" {
			return nil, fmt.Errorf("empty type")
		}
		return nil, fmt.Errorf("unknown type %q", full)
	case strings.HasPrefix(s, "[]"):
		elem, err := parseType(full, s[2:])
		if err != nil {
			return nil, err
		}
		return &Type{Kind: Slice, Elem: elem}, nil
	case strings.HasPrefix(s, "map["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, fmt.Errorf("unknown type %q", full)
		}
		if k := s[4:end]; k != "string" {
			return nil, fmt.Errorf("map key type must be string, not %q, in type %q: values are stored as JSON objects", k, full)
		}
		elem, err := parseType(full, s[end+1:])
		if err != nil {
			return nil, err
		}
		return &Type{Kind: Map, Elem: elem}, nil
	}
	if _, ok := gotype.Lookup("", s); ok {
		return &Type{Kind: Basic, Name: s}, nil
	}
	return parseNamed(full, s)
}

// parseNamed parses an import path and type name, s, a part of the type
// full: example.com/shop/model.Prefs.
func parseNamed(full, s string) (*Type, error) {
	if !looksLikeNamed(s) {
		return nil, fmt.Errorf("unknown type %q", full)
	}
	last := s[strings.LastIndexByte(s, '/')+1:]
	dot := strings.LastIndexByte(last, '.')
	if dot < 0 {
		if strings.Contains(s, "/") {
			return nil, fmt.Errorf("type %q has no type name: want an import path and a type name, such as example.com/shop/model.Prefs", full)
		}
		if b := suggestBasic(s); b != "" {
			return nil, fmt.Errorf("unknown type %q; did you mean %q?", full, full[:len(full)-len(s)]+b)
		}
		return nil, fmt.Errorf("unknown type %q", full)
	}
	path := s[:len(s)-len(last)+dot]
	name := last[dot+1:]
	if path == "C" {
		return nil, fmt.Errorf("type %q is from cgo's pseudo-package C, whose values JSON cannot store; use a Go type such as int64 or string", full)
	}
	if err := checkImportPath(path); err != nil {
		return nil, fmt.Errorf("malformed import path %q in type %q: %v", path, full, err)
	}
	if !token.IsIdentifier(name) {
		return nil, fmt.Errorf("malformed type name %q in type %q", name, full)
	}
	if r, _ := utf8.DecodeRuneInString(name); !unicode.IsUpper(r) {
		return nil, fmt.Errorf("type %q is not exported, so the generated package cannot name it", full)
	}
	return &Type{Kind: Named, Path: path, Name: name}, nil
}

// looksLikeNamed reports whether s is free of the punctuation of other type
// forms, so that pointers, generics, funcs, arrays and the like are
// reported as unknown types rather than as malformed import paths.
func looksLikeNamed(s string) bool {
	for _, r := range s {
		if strings.ContainsRune("*[](){}<>,;", r) {
			return false
		}
	}
	return true
}

// checkImportPath checks s by the rules of the go command for import paths:
// slash-separated elements of ASCII letters, digits and "-._~", none empty,
// none starting or ending with a dot.
func checkImportPath(s string) error {
	if s == "" {
		return fmt.Errorf("empty path")
	}
	for elem := range strings.SplitSeq(s, "/") {
		if elem == "" {
			return fmt.Errorf("empty path element")
		}
		if elem[0] == '.' || elem[len(elem)-1] == '.' {
			return fmt.Errorf("path element %q starts or ends with a dot", elem)
		}
		for _, r := range elem {
			ok := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~", r)
			if !ok {
				return fmt.Errorf("invalid character %q", r)
			}
		}
	}
	return nil
}
