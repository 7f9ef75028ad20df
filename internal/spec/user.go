package spec

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// User is a schema's top-level user block: the Go type of the id that
// Session.SignIn binds a session to. The runtime stores the id as text, so
// the type is one with a text form: a predeclared type of the table
// gotype, converted with strconv (or as is, for string), or a named type
// that implements encoding.TextMarshaler and whose pointer implements
// encoding.TextUnmarshaler. sessiongen does not load packages, so it takes
// a named type on trust; the generated code does not compile when the type
// lacks those methods.
type User struct {
	// Type is the id's Go type: Basic or Named, never a slice or map.
	Type *Type
	// Pos is where the user block is declared.
	Pos Pos
	// FieldPos is where the value of each field of the block is, by field
	// name ("type").
	FieldPos map[string]Pos
}

// PosOf returns where the value of field is in the user block, or where
// the block is declared when it does not set that field.
func (u *User) PosOf(field string) Pos {
	if p, ok := u.FieldPos[field]; ok {
		return p
	}
	return u.Pos
}

// stringType is the user type of a schema without a user block.
var stringType = &Type{Kind: Basic, Name: "string"}

// UserType returns the Go type of the id a session is bound to: the user
// block's type, or string when the schema has no user block.
func (s *Schema) UserType() *Type {
	if s.User == nil || s.User.Type == nil {
		return stringType
	}
	return s.User.Type
}

// user reads the user block f.
func (r *reader) user(f field) *User {
	u := &User{Pos: r.pos(f.key), FieldPos: map[string]Pos{}}
	n := f.value
	if !r.usable(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "user must be a mapping with the type of the user id, such as {type: int64}")
		return nil
	}
	var typ *yaml.Node
	for _, uf := range r.fields(n, UserFields, "user") {
		u.FieldPos[uf.name] = r.pos(uf.value)
		if uf.name == "type" {
			typ = uf.value
		}
	}
	if typ == nil {
		r.errorf(f.key, "user has no type: give the type of the user id, such as {type: int64}")
		return nil
	}
	t := r.typ(typ)
	if t == nil {
		return nil
	}
	if err := checkUserType(t); err != nil {
		r.errorf(typ, "%v", err)
		return nil
	}
	u.Type = t
	return u
}

// checkUserType says why t cannot be the type of a user id, or returns nil
// when it can.
func checkUserType(t *Type) error {
	switch {
	case t.Kind == Slice || t.Kind == Map:
		return fmt.Errorf("user type %s is a composite type: a user id is one value with a text form, "+
			"such as int64, string or a named type implementing encoding.TextMarshaler", t)
	case t.Is("time", "Duration"):
		return fmt.Errorf("user type %s has no text form: it does not implement encoding.TextMarshaler; use int64", t)
	}
	return nil
}
