package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/sessiongen/sessiongen/internal/api"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// fnParam is the parameter of the update methods.
const fnParam = "fn"

// updater emits UpdateX(fn), a read-modify-write of the key through
// runtime.Update, whose save is a compare-and-set of the key.
func updater(f *jen.File, k *spec.Key, name string, d docText) {
	first := fmt.Sprintf("%s sets %s to what fn returns for the current value. When the session does not hold %s, "+
		"fn receives %s", name, d.short, k.Name, absentValue(k))
	comment(f, first, d, false, updateCopyNote(k), conflictNote(k), flashUpdateNote(k), updateTTLNote(k),
		encryptedWriteNote(k), updateRenamedNote(k, name), deprecatedNote(k))
	fn := jen.Id(fnParam).Func().Params(typeCode(k.Type)).Add(typeCode(k.Type))
	f.Func().Params(receiver()).Id(name).Params(fn).Block(updateBody(k)...)
}

// updateBody returns the statement of k's update method:
// runtime.Update(sess.runtimeSession, "key", ...), or, for a renamed key,
// runtime.UpdateRenamed(sess.runtimeSession, "key", ..., "former", ...),
// which reads through the former names and deletes them in the same
// compare-and-set, or, for a key with a policy,
// runtime.UpdateWith(sess.runtimeSession, "key", keyPolicy, ...).
func updateBody(k *spec.Key) []jen.Code {
	if k.HasPolicy() {
		return []jen.Code{rt("UpdateWith").Call(inner(), jen.Lit(k.Name), jen.Id(policyVar(k)), applyFn(k))}
	}
	if len(k.RenamedFrom) == 0 {
		return []jen.Code{rt("Update").Call(inner(), jen.Lit(k.Name), applyFn(k))}
	}
	args := []jen.Code{inner(), jen.Lit(k.Name), applyFn(k)}
	for _, name := range k.FormerNames() {
		args = append(args, jen.Lit(name))
	}
	return []jen.Code{rt("UpdateRenamed").Call(args...)}
}

// updateFunc returns the head of a function that runtime.Update calls for
// k, func(v T, ok bool) T, with the given name of its second parameter.
func updateFunc(k *spec.Key, okName string) *jen.Statement {
	return jen.Func().Params(jen.Id(param).Add(typeCode(k.Type)), jen.Id(okName).Bool()).Add(typeCode(k.Type))
}

// applyFn returns the function that gives fn the current value, or a new
// default when there is none: runtime.Update decodes the stored value anew
// on each call, and the default literal builds a new value each time.
func applyFn(k *spec.Key) *jen.Statement {
	call := jen.Return(jen.Id(fnParam).Call(jen.Id(param)))
	if k.Default == nil {
		return updateFunc(k, "_").Block(call) // v is the zero value when absent
	}
	return updateFunc(k, okVar).Block(
		jen.If(jen.Op("!").Id(okVar)).Block(jen.Id(param).Op("=").Add(literal(k.Type, k.Default, false))),
		call,
	)
}

// updateCopyNote returns the comment note of an update method whose values
// can share memory, or "".
func updateCopyNote(k *spec.Key) string {
	if !copied(k.Type) {
		return ""
	}
	return "fn receives a copy of its own, which it may change and return; the session keeps a copy of what fn returns."
}

// conflictNote returns the comment note of an update method on what its
// save does when a concurrent request changed the key.
func conflictNote(k *spec.Key) string {
	return fmt.Sprintf("The save is atomic for %[1]s: it writes the new value only if the stored value is still "+
		"the one fn saw. If a concurrent request changed %[1]s in between, fn runs again on the new value, "+
		"so fn may run more than once and must only compute the new value, without using the session. "+
		"After runtime.MaxUpdateAttempts conflicts the request fails with the error handler's response "+
		"(409 Conflict by default). %[2]s, by contrast, is last writer wins.", k.Name, methodName(k, api.Set))
}

// flashUpdateNote returns the comment note of a flash key's update method,
// or "".
func flashUpdateNote(k *spec.Key) string {
	if !k.Flash {
		return ""
	}
	return fmt.Sprintf("The value stays in the session until %s reads it.", methodName(k, api.Pop))
}

// methodName returns the name of k's method with role r, or "" when k has
// none.
func methodName(k *spec.Key, r api.Role) string {
	for _, m := range api.KeyMethods(k.GoName, k.Flash) {
		if m.Role == r {
			return m.Name
		}
	}
	return ""
}

// updateRenamedNote returns the comment note of the update method of a
// renamed key, or "".
func updateRenamedNote(k *spec.Key, name string) string {
	if len(k.RenamedFrom) == 0 {
		return ""
	}
	them := "it"
	if len(k.FormerNames()) > 1 {
		them = "them"
	}
	return fmt.Sprintf("A session saved before %s was renamed holds its value under %s: %s gives fn that value, "+
		"and the save writes the result under %s and removes any value left under %s.",
		k.Name, formerList(k), name, k.Name, them)
}
