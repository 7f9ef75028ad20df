package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/sessiongen/sessiongen/internal/api"
	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// emitters emit a key's method of each role.
var emitters = map[api.Role]func(f *jen.File, k *spec.Key, name string, d docText){
	api.Get:    getter,
	api.Lookup: lookup,
	api.Set:    setter,
	api.Delete: deleter,
	api.Pop:    popper,
	api.Update: updater,
}

// keyMethods emits the methods of one key, as api.KeyMethods names them.
func keyMethods(f *jen.File, k *spec.Key) {
	if k.HasPolicy() {
		policyDecl(f, k)
	}
	d := parseDoc(k.Doc, k.Name)
	for _, m := range api.KeyMethods(k.GoName, k.Flash) {
		emitters[m.Role](f, k, m.Name, d)
	}
}

// comment emits a method's comment: its first sentence, the rest of the
// key's doc when full is set, then the paragraphs of notes.
func comment(f *jen.File, first string, d docText, full bool, notes ...string) {
	text := first
	if full && d.rest != "" {
		text += " " + d.rest
	}
	paras := []string{text}
	if full {
		paras = append(paras, d.more...)
	}
	for _, n := range notes {
		if n != "" {
			paras = append(paras, n)
		}
	}
	f.Comment(wrap(strings.Join(paras, "\n\n")))
}

// get returns runtime.Get[T](sess.runtimeSession, "key"), or, for a
// renamed key, runtime.GetRenamed[T](sess.runtimeSession, "key", "former",
// ...), or, for a key with a policy, runtime.GetWith[T](sess.runtimeSession,
// "key", keyPolicy).
func get(k *spec.Key) *jen.Statement {
	if k.HasPolicy() {
		return rt("GetWith").Types(typeCode(k.Type)).Call(inner(), jen.Lit(k.Name), jen.Id(policyVar(k)))
	}
	if len(k.RenamedFrom) == 0 {
		return rt("Get").Types(typeCode(k.Type)).Call(inner(), jen.Lit(k.Name))
	}
	args := []jen.Code{inner(), jen.Lit(k.Name)}
	for _, name := range k.FormerNames() {
		args = append(args, jen.Lit(name))
	}
	return rt("GetRenamed").Types(typeCode(k.Type)).Call(args...)
}

// deleteFormer returns runtime.Delete(sess.runtimeSession, "former") for
// each former name of k: a deletion is recorded only for a name the session
// holds.
func deleteFormer(k *spec.Key) []jen.Code {
	var code []jen.Code
	for _, name := range k.FormerNames() {
		code = append(code, rt("Delete").Call(inner(), jen.Lit(name)))
	}
	return code
}

// absentValue describes, to end a sentence, what the methods of k give in
// place of a value the session does not hold: "the zero value.", "the
// default, "light".", or a new copy of a composite default, followed by its
// code.
func absentValue(k *spec.Key) string {
	if k.Default == nil {
		return "the zero value."
	}
	what := "the default"
	if isComposite(k.Type) {
		what = "a new copy of the default"
	}
	code := fmt.Sprintf("%#v", literal(k.Type, k.Default, false))
	if info, _ := k.Type.Info(); info.Kind == gotype.Duration {
		code = k.Default.Duration.String()
	}
	return what + inlineCode(code)
}

// getter emits X(), which returns the value, the default or the zero value.
func getter(f *jen.File, k *spec.Key, name string, d docText) {
	absent := fmt.Sprintf("When the session does not hold %s, %s returns %s", k.Name, name, absentValue(k))
	copyNote := ""
	if copied(k.Type) {
		copyNote = "The result is a copy: changing it does not change the session."
	}
	comment(f, fmt.Sprintf("%s returns %s.", name, d.phrase), d, true, absent, copyNote, ttlNote(k), dropNote(k),
		sensitiveNote(k), encryptedNote(k), readRenamedNote(k, name), deprecatedNote(k))
	fn := f.Func().Params(receiver()).Id(name).Params().Add(typeCode(k.Type))
	if k.Default == nil {
		fn.Block(
			jen.List(jen.Id(param), jen.Id("_")).Op(":=").Add(get(k)),
			jen.Return(jen.Id(param)),
		)
		return
	}
	fn.Block(
		jen.If(jen.List(jen.Id(param), jen.Id(okVar)).Op(":=").Add(get(k)), jen.Id(okVar)).Block(
			jen.Return(jen.Id(param)),
		),
		jen.Return(literal(k.Type, k.Default, false)),
	)
}

// inlineCode returns code to end a sentence: ", code." when it is one
// word, else ":" and the code as an indented block, which the comment
// keeps as it is.
func inlineCode(code string) string {
	if !strings.ContainsAny(code, " \n") && len(code) <= 40 {
		return ", " + code + "."
	}
	return ":\n\n\t" + strings.ReplaceAll(code, "\n", "\n\t")
}

// lookup emits LookupX(), which also reports whether the key is set.
func lookup(f *jen.File, k *spec.Key, name string, d docText) {
	first := fmt.Sprintf("%s returns %s and reports whether the session holds it.", name, d.short)
	if k.Default != nil {
		first += fmt.Sprintf(" When it does not, %s returns the zero value, not the default.", name)
	}
	comment(f, first, d, false, readRenamedNote(k, name), deprecatedNote(k))
	f.Func().Params(receiver()).Id(name).Params().Params(typeCode(k.Type), jen.Bool()).Block(
		jen.Return(get(k)),
	)
}

// setter emits SetX(v).
func setter(f *jen.File, k *spec.Key, name string, d docText) {
	first := fmt.Sprintf("%s sets %s to v.", name, d.short)
	if copied(k.Type) {
		first += " The session keeps a copy: changing v later does not change the session."
	}
	comment(f, first, d, false, ttlNote(k), encryptedWriteNote(k), removeRenamedNote(k, name), deprecatedNote(k))
	set := rt("Set").Call(inner(), jen.Lit(k.Name), jen.Id(param))
	if k.HasPolicy() {
		set = rt("SetWith").Call(inner(), jen.Lit(k.Name), jen.Id(policyVar(k)), jen.Id(param))
	}
	f.Func().Params(receiver()).Id(name).Params(jen.Id(param).Add(typeCode(k.Type))).Block(
		append([]jen.Code{set}, deleteFormer(k)...)...,
	)
}

// deleter emits DeleteX().
func deleter(f *jen.File, k *spec.Key, name string, d docText) {
	comment(f, fmt.Sprintf("%s removes %s from the session.", name, d.short), d, false,
		removeRenamedNote(k, name), deprecatedNote(k))
	f.Func().Params(receiver()).Id(name).Params().Block(
		append([]jen.Code{rt("Delete").Call(inner(), jen.Lit(k.Name))}, deleteFormer(k)...)...,
	)
}

// popper emits PopX(), which reads a flash key once.
func popper(f *jen.File, k *spec.Key, name string, d docText) {
	comment(f, fmt.Sprintf("%s returns %s and removes it from the session, so that it is read once.", name, d.phrase),
		d, true, fmt.Sprintf("%s reports whether the session held %s; when it did not, it returns the zero value.",
			name, k.Name), ttlNote(k), dropNote(k), sensitiveNote(k), encryptedNote(k), readRenamedNote(k, name),
		deprecatedNote(k))
	fn := f.Func().Params(receiver()).Id(name).Params().Params(typeCode(k.Type), jen.Bool())
	if k.HasPolicy() {
		fn.Block(jen.Return(rt("PopWith").Types(typeCode(k.Type)).Call(inner(), jen.Lit(k.Name), jen.Id(policyVar(k)))))
		return
	}
	if len(k.RenamedFrom) == 0 {
		fn.Block(jen.Return(rt("Pop").Types(typeCode(k.Type)).Call(inner(), jen.Lit(k.Name))))
		return
	}
	// GetRenamed moves a value read under a former name to the key, so
	// deleting the key removes both.
	fn.Block(
		jen.List(jen.Id(param), jen.Id(okVar)).Op(":=").Add(get(k)),
		jen.If(jen.Id(okVar)).Block(rt("Delete").Call(inner(), jen.Lit(k.Name))),
		jen.Return(jen.Id(param), jen.Id(okVar)),
	)
}

// readRenamedNote returns the comment note of a method that reads a
// renamed key, or "".
func readRenamedNote(k *spec.Key, name string) string {
	if len(k.RenamedFrom) == 0 {
		return ""
	}
	return fmt.Sprintf("A session saved before %s was renamed holds its value under %s: %s reads it from there, "+
		"and the session's next save moves it to %s.", k.Name, formerList(k), name, k.Name)
}

// removeRenamedNote returns the comment note of a method that replaces or
// removes the value of a renamed key, or "".
func removeRenamedNote(k *spec.Key, name string) string {
	if len(k.RenamedFrom) == 0 {
		return ""
	}
	return fmt.Sprintf("%s also removes any value left under %s.", name, formerList(k))
}

// formerList names the former names of k in a sentence: "the former name
// basket", "the former names basket, bag or sack".
func formerList(k *spec.Key) string {
	names := k.FormerNames()
	if len(names) == 1 {
		return "the former name " + names[0]
	}
	return "the former names " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// deprecatedNote returns the "Deprecated:" paragraph of a deprecated key's
// methods, or "". It comes last in each comment, where staticcheck and
// editors look for it.
func deprecatedNote(k *spec.Key) string {
	if k.Deprecated == "" {
		return ""
	}
	return "Deprecated: " + k.Deprecated
}

// sensitiveNote returns the comment note of a sensitive key, or "". That of
// an encrypted key is encryptedNote.
func sensitiveNote(k *spec.Key) string {
	if !k.Sensitive || k.Encrypted {
		return ""
	}
	return "The value is sensitive: the admin page and logs redact it."
}

// copied reports whether values of t can share memory, so that the
// comments should say that the session copies them: slices, maps and named
// types outside package time.
func copied(t *spec.Type) bool {
	return isComposite(t) || t.Kind == spec.Named && t.Path != "time"
}

// isComposite reports whether t is a slice or a map.
func isComposite(t *spec.Type) bool { return t.Kind == spec.Slice || t.Kind == spec.Map }
