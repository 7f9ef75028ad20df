package typecheck

import (
	"go/types"
	"reflect"
)

// badJSON returns what in t encoding/json cannot carry, as a phrase to
// follow the type's name ("is a chan, which JSON cannot store"), and what
// to do about it; "" and "" when JSON carries t. It looks through the
// underlying type: the elements of slices, arrays, maps and pointers and
// the fields JSON sees of structs, stopping at types with their own JSON
// or text form (MarshalJSON, UnmarshalJSON, MarshalText, UnmarshalText).
func badJSON(t types.Type) (what, fix string) {
	w := jsonWalker{seen: map[*types.Named]bool{}}
	bad, where := w.walk(t, "", true)
	if bad == (problem{}) {
		return "", ""
	}
	fix = "store a type of plain data, or give it MarshalJSON and UnmarshalJSON methods"
	if bad == hidden {
		fix = "export the fields it stores, or give it MarshalJSON and UnmarshalJSON methods"
	}
	if where == "" {
		return "is " + bad.what + ", " + bad.why, fix
	}
	return "holds " + bad.what + " in field " + where + ", " + bad.why, fix
}

// A problem is what JSON cannot carry, and why.
type problem struct {
	what string // "a chan"
	why  string // "which JSON cannot store"
}

// cannot is the problem of a value that JSON cannot store.
func cannot(what string) problem { return problem{what, "which JSON cannot store"} }

// hidden is the problem of a struct whose fields JSON does not see.
var hidden = problem{"a struct with no exported fields", "which JSON stores as {} and reads back as the zero value"}

// A jsonWalker walks a type for badJSON, seeing each named type once.
type jsonWalker struct {
	seen map[*types.Named]bool
}

// walk returns what in t JSON cannot carry and the field path to it from
// the key's type (after the name of the struct type that holds it: Box.C),
// or "". top is true for the key's type itself, not a part of it.
func (w *jsonWalker) walk(t types.Type, where string, top bool) (bad problem, at string) {
	t = types.Unalias(t)
	if ownForm(t) {
		return problem{}, ""
	}
	if n, ok := t.(*types.Named); ok {
		if w.seen[n] {
			return problem{}, ""
		}
		w.seen[n] = true
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			return cannot("a " + u.Name()), where
		case u.Kind() == types.UnsafePointer:
			return cannot("an unsafe.Pointer"), where
		}
	case *types.Pointer:
		return w.walk(u.Elem(), where, false)
	case *types.Slice:
		return w.walk(u.Elem(), where, false)
	case *types.Array:
		return w.walk(u.Elem(), where, false)
	case *types.Map:
		if !mapKey(u.Key()) {
			return problem{"a map with " + u.Key().String() + " keys", "which JSON objects cannot have"}, where
		}
		return w.walk(u.Elem(), where, false)
	case *types.Chan:
		return cannot("a chan"), where
	case *types.Signature:
		return cannot("a func"), where
	case *types.Interface:
		// JSON reads a value of an empty interface back as generic maps,
		// slices and float64s: fine inside data, but not as the key's
		// type, and no other interface at all.
		if top || !u.Empty() {
			return problem{"an interface", "which JSON cannot read back into a concrete type"}, where
		}
	case *types.Struct:
		visible := 0
		for i := range u.NumFields() {
			f := u.Field(i)
			if !jsonField(f, u.Tag(i)) {
				continue
			}
			visible++
			if bad, at := w.walk(f.Type(), fieldPath(where, t, f), false); bad != (problem{}) {
				return bad, at
			}
		}
		if visible == 0 && u.NumFields() > 0 {
			return hidden, where
		}
	}
	return problem{}, ""
}

// fieldPath returns the path to field f of the struct type t, reached at
// where: Box.C, Box.Inner.C.
func fieldPath(where string, t types.Type, f *types.Var) string {
	if where == "" {
		if n, ok := t.(*types.Named); ok {
			return n.Obj().Name() + "." + f.Name()
		}
		return f.Name()
	}
	return where + "." + f.Name()
}

// jsonField reports whether encoding/json encodes the struct field f with
// tag: exported and not tagged "-", or embedded (whose exported fields it
// promotes).
func jsonField(f *types.Var, tag string) bool {
	if reflect.StructTag(tag).Get("json") == "-" {
		return false
	}
	if f.Embedded() {
		t := types.Unalias(f.Type())
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		_, isStruct := t.Underlying().(*types.Struct)
		return f.Exported() || isStruct
	}
	return f.Exported()
}

// mapKey reports whether JSON objects can have keys of type t: strings,
// integers, and types with a text form.
func mapKey(t types.Type) bool {
	if b, ok := t.Underlying().(*types.Basic); ok && b.Info()&(types.IsString|types.IsInteger) != 0 {
		return true
	}
	return hasMethod(t, "MarshalText")
}

// ownForm reports whether t, or a pointer to it, has a JSON or text form
// of its own.
func ownForm(t types.Type) bool {
	return hasMethod(t, "MarshalJSON", "UnmarshalJSON", "MarshalText", "UnmarshalText")
}

// hasMethod reports whether t or *t has a method of one of names.
func hasMethod(t types.Type, names ...string) bool {
	if _, ok := t.Underlying().(*types.Interface); ok {
		return false // an interface's methods are its values', not a form
	}
	mset := types.NewMethodSet(t)
	if _, ok := t.Underlying().(*types.Pointer); !ok {
		mset = types.NewMethodSet(types.NewPointer(t))
	}
	for _, n := range names {
		if mset.Lookup(nil, n) != nil {
			return true
		}
	}
	return false
}

// lockIn returns the lock that a value of t holds, as go vet's copylocks
// sees it, with the field path to it ("sync.Mutex in field Counter.mu"),
// or "": a struct whose pointer has Lock and Unlock methods that the value
// has not, found in t or in the fields and array elements it holds by
// value. Pointers, slices, maps and interfaces refer to their locks, and
// copying them is fine. An unexported lock, such as the noCopy of
// sync/atomic.Int64, is named by the exported type that holds it.
func lockIn(t types.Type, where string, seen map[types.Type]bool) string {
	lock, at := findLock(t, where, seen)
	switch {
	case lock == nil:
		return ""
	case at == "":
		return lock.String()
	}
	return lock.String() + " in field " + at
}

// findLock returns the lock that lockIn names, and the field path to it.
func findLock(t types.Type, where string, seen map[types.Type]bool) (types.Type, string) {
	t = types.Unalias(t)
	if seen[t] {
		return nil, ""
	}
	seen[t] = true
	for {
		a, ok := t.Underlying().(*types.Array)
		if !ok {
			break
		}
		t = types.Unalias(a.Elem())
	}
	s, ok := t.Underlying().(*types.Struct)
	if !ok {
		return nil, ""
	}
	if isLock(t) {
		return t, where
	}
	for i := range s.NumFields() {
		f := s.Field(i)
		path := fieldPath(where, t, f)
		lock, at := findLock(f.Type(), path, seen)
		if lock == nil {
			continue
		}
		if n, ok := types.Unalias(lock).(*types.Named); ok && !n.Obj().Exported() {
			if holder, ok := types.Unalias(f.Type()).(*types.Named); ok && holder.Obj().Exported() {
				return holder, path
			}
		}
		return lock, at
	}
	return nil, ""
}

// isLock reports whether *t has the methods Lock and Unlock and t does
// not: a lock held by value, such as sync.Mutex or the noCopy of
// sync/atomic's types.
func isLock(t types.Type) bool {
	has := func(mset *types.MethodSet) bool {
		return isNullary(mset.Lookup(nil, "Lock")) && isNullary(mset.Lookup(nil, "Unlock"))
	}
	return has(types.NewMethodSet(types.NewPointer(t))) && !has(types.NewMethodSet(t))
}

// isNullary reports whether sel is a method without parameters or results.
func isNullary(sel *types.Selection) bool {
	if sel == nil {
		return false
	}
	sig, ok := sel.Type().(*types.Signature)
	return ok && sig.Params().Len() == 0 && sig.Results().Len() == 0
}
