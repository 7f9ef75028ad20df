package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/sessiongen/sessiongen/internal/api"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// keyMethods emits the methods of one key, as api.KeyMethods names them.
func keyMethods(f *jen.File, k *spec.Key) {
	d := parseDoc(k.Doc, k.Name)
	for _, m := range api.KeyMethods(k.GoName, k.Flash) {
		switch m.Role {
		case api.Get:
			getter(f, k, m.Name, d)
		case api.Lookup:
			lookup(f, k, m.Name, d)
		case api.Set:
			setter(f, k, m.Name, d)
		case api.Delete:
			deleter(f, k, m.Name, d)
		case api.Pop:
			popper(f, k, m.Name, d)
		}
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

// get returns runtime.Get[T](sess.s, "key").
func get(k *spec.Key) *jen.Statement {
	return rt("Get").Types(typeCode(k.Type)).Call(inner(), jen.Lit(k.Name))
}

// getter emits X(), which returns the value, the default or the zero value.
func getter(f *jen.File, k *spec.Key, name string, d docText) {
	absent := fmt.Sprintf("When the session does not hold %s, %s returns the zero value.", k.Name, name)
	if k.Default != nil {
		what := "the default"
		if isComposite(k.Type) {
			what = "a new copy of the default"
		}
		code := fmt.Sprintf("%#v", literal(k.Type, k.Default, false))
		if k.Type.Kind == spec.Named { // time.Duration
			code = k.Default.Duration.String()
		}
		absent = fmt.Sprintf("When the session does not hold %s, %s returns %s%s", k.Name, name, what, inlineCode(code))
	}
	copyNote := ""
	if copied(k.Type) {
		copyNote = "The result is a copy: changing it does not change the session."
	}
	comment(f, fmt.Sprintf("%s returns %s.", name, d.phrase), d, true, absent, copyNote, sensitiveNote(k))
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
	comment(f, first, d, false)
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
	comment(f, first, d, false)
	f.Func().Params(receiver()).Id(name).Params(jen.Id(param).Add(typeCode(k.Type))).Block(
		rt("Set").Call(inner(), jen.Lit(k.Name), jen.Id(param)),
	)
}

// deleter emits DeleteX().
func deleter(f *jen.File, k *spec.Key, name string, d docText) {
	comment(f, fmt.Sprintf("%s removes %s from the session.", name, d.short), d, false)
	f.Func().Params(receiver()).Id(name).Params().Block(
		rt("Delete").Call(inner(), jen.Lit(k.Name)),
	)
}

// popper emits PopX(), which reads a flash key once.
func popper(f *jen.File, k *spec.Key, name string, d docText) {
	comment(f, fmt.Sprintf("%s returns %s and removes it from the session, so that it is read once.", name, d.phrase),
		d, true, fmt.Sprintf("%s reports whether the session held %s; when it did not, it returns the zero value.",
			name, k.Name), sensitiveNote(k))
	f.Func().Params(receiver()).Id(name).Params().Params(typeCode(k.Type), jen.Bool()).Block(
		jen.Return(rt("Pop").Types(typeCode(k.Type)).Call(inner(), jen.Lit(k.Name))),
	)
}

// sensitiveNote returns the comment note of a sensitive key, or "".
func sensitiveNote(k *spec.Key) string {
	if !k.Sensitive {
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
