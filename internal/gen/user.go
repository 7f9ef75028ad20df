package gen

import (
	"fmt"
	"path/filepath"

	"github.com/dave/jennifer/jen"
	"github.com/sessiongen/sessiongen/internal/api"
	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// Local names of the functions that userDecls emits.
const (
	idParam    = "id"
	textVar    = "text"
	errVar     = "err"
	numVar     = "n"
	ctxParam   = "ctx"
	storeParam = "store"
	keepParam  = "keep"
)

// userLocalNames are the identifiers that the functions of userDecls
// declare or use besides imported packages.
var userLocalNames = map[string]bool{
	recv: true, idParam: true, textVar: true, errVar: true, numVar: true,
	ctxParam: true, storeParam: true, keepParam: true,
}

// userDecls emits, for a schema with a user block, the SignIn and
// BoundUser methods that take and return the user id as its type,
// shadowing those of runtime.Session, which keep it as text, and the
// functions UserSessions and DeleteUserSessions that list and delete a
// user's sessions by it. Without a user block it emits nothing, so the
// generated file is what it was before user blocks.
func userDecls(f *jen.File, s *spec.Schema) {
	if s.User == nil {
		return
	}
	t := s.User.Type
	if t.Kind == spec.Named {
		if name := guessName(t.Path); userLocalNames[name] || localNames[name] {
			f.ImportAlias(t.Path, name+"pkg")
		}
	}
	typ := t.String()
	dropNote, body := "", signInBody(t)
	if dropped := droppedKeys(s); len(dropped) > 0 {
		dropNote = fmt.Sprintf(" It first removes %s, which %s marks on_sign_in: drop: state for visitors "+
			"that the signed-in session does not carry.", droppedList(dropped), filepath.Base(s.File))
		body = append([]jen.Code{jen.Id(recv).Dot(api.DropOnSignInName).Call()}, body...)
	}
	f.Comment(wrap(fmt.Sprintf("SignIn cycles the session key, as CycleKey does, and binds the session to the "+
		"user %s, of the type %s declares for user ids. It is runtime.Session's SignIn with the id's "+
		"text form, %s, which the store keeps.%s",
		idParam, filepath.Base(s.File), textForm(t), dropNote)))
	f.Func().Params(receiver()).Id("SignIn").Params(jen.Id(idParam).Add(typeCode(t))).Block(body...)

	f.Comment(wrap(fmt.Sprintf("BoundUser returns the user the session was bound to by SignIn, and whether "+
		"it is bound. A stored id that does not parse as %s, such as one stored under an earlier user "+
		"type, reads as not bound: the zero id and false, logged once per session.", typ)))
	f.Func().Params(receiver()).Id("BoundUser").Params().Params(typeCode(t), jen.Bool()).Block(boundUserBody(t)...)

	params := []jen.Code{
		jen.Id(ctxParam).Qual("context", "Context"),
		jen.Id(storeParam).Add(rt("UserStore")),
		jen.Id(idParam).Add(typeCode(t)),
	}
	f.Comment(wrap(fmt.Sprintf("%s returns the live sessions in %s bound to the user %s, most recently "+
		"saved first: runtime.UserStore's UserSessions with the id's text form.", api.UserSessionsName, storeParam, idParam)))
	f.Func().Id(api.UserSessionsName).Params(params...).Params(jen.Index().Add(rt("SessionInfo")), jen.Error()).Block(
		storeCall(t, "UserSessions")...,
	)

	f.Comment(wrap(fmt.Sprintf("%s deletes every session in %s bound to the user %s, live or expired, "+
		"except the one under %s (the current one, for \"sign out other devices\"), or none when %s is "+
		"the zero TokenHash (\"sign out everywhere\"), and returns the hashes of the sessions it deleted: "+
		"runtime.UserStore's DeleteUserSessions with the id's text form.",
		api.DeleteUserSessionsName, storeParam, idParam, keepParam, keepParam)))
	f.Func().Id(api.DeleteUserSessionsName).Params(append(params, jen.Id(keepParam).Add(rt("TokenHash")))...).
		Params(jen.Index().Add(rt("TokenHash")), jen.Error()).Block(
		storeCall(t, "DeleteUserSessions", jen.Id(keepParam))...,
	)
}

// textForm says, for a comment, how an id of type t is turned into text.
func textForm(t *spec.Type) string {
	if t.Kind == spec.Named {
		return "from its MarshalText method"
	}
	switch info, _ := t.Info(); info.Kind {
	case gotype.String:
		return "the id itself"
	case gotype.Bool:
		return "as strconv.FormatBool writes it"
	case gotype.Int:
		return "as strconv.FormatInt writes it"
	case gotype.Uint:
		return "as strconv.FormatUint writes it"
	}
	return "as strconv.FormatFloat writes it"
}

// textOf returns the text form of the id, for a basic type t.
func textOf(t *spec.Type) *jen.Statement {
	id := jen.Id(idParam)
	info, _ := t.Info()
	switch info.Kind {
	case gotype.String:
		return id
	case gotype.Bool:
		return jen.Qual("strconv", "FormatBool").Call(id)
	case gotype.Int:
		if info.Canonical() != "int64" {
			id = jen.Int64().Call(id)
		}
		return jen.Qual("strconv", "FormatInt").Call(id, jen.Lit(10))
	case gotype.Uint:
		if info.Canonical() != "uint64" {
			id = jen.Uint64().Call(id)
		}
		return jen.Qual("strconv", "FormatUint").Call(id, jen.Lit(10))
	}
	if info.Bits != 64 {
		id = jen.Float64().Call(id)
	}
	return jen.Qual("strconv", "FormatFloat").Call(id, jen.LitRune('g'), jen.Lit(-1), jen.Lit(info.Bits))
}

// signInBody returns the body of SignIn.
func signInBody(t *spec.Type) []jen.Code {
	if t.Kind == spec.Named {
		return []jen.Code{rt("SignInText").Call(inner(), jen.Id(idParam))}
	}
	return []jen.Code{inner().Dot("SignIn").Call(textOf(t))}
}

// boundUserBody returns the body of BoundUser.
func boundUserBody(t *spec.Type) []jen.Code {
	if info, _ := t.Info(); t.Kind == spec.Basic && info.Kind == gotype.String {
		return []jen.Code{jen.Return(inner().Dot("BoundUser").Call())}
	}
	parse := jen.Func().Params(jen.Id(textVar).String()).Params(typeCode(t), jen.Error()).Block(parseBody(t)...)
	return []jen.Code{jen.Return(rt("BoundUserAs").Call(inner(), parse))}
}

// parseBody returns the body of the function that parses a stored id of
// type t, other than string, from text.
func parseBody(t *spec.Type) []jen.Code {
	text := jen.Id(textVar)
	if t.Kind == spec.Named {
		return []jen.Code{
			jen.Var().Id(idParam).Add(typeCode(t)),
			jen.Id(errVar).Op(":=").Id(idParam).Dot("UnmarshalText").Call(jen.Index().Byte().Call(text)),
			jen.Return(jen.Id(idParam), jen.Id(errVar)),
		}
	}
	info, _ := t.Info()
	bits := info.Bits
	if t.Name == "int" || t.Name == "uint" {
		bits = 0 // the size of int
	}
	var call *jen.Statement
	wide := ""
	switch info.Kind {
	case gotype.Bool:
		return []jen.Code{jen.Return(jen.Qual("strconv", "ParseBool").Call(text))}
	case gotype.Int:
		call, wide = jen.Qual("strconv", "ParseInt").Call(text, jen.Lit(10), jen.Lit(bits)), "int64"
	case gotype.Uint:
		call, wide = jen.Qual("strconv", "ParseUint").Call(text, jen.Lit(10), jen.Lit(bits)), "uint64"
	default:
		call, wide = jen.Qual("strconv", "ParseFloat").Call(text, jen.Lit(info.Bits)), "float64"
	}
	if info.Canonical() == wide {
		return []jen.Code{jen.Return(call)}
	}
	return []jen.Code{
		jen.List(jen.Id(numVar), jen.Id(errVar)).Op(":=").Add(call),
		jen.Return(typeCode(t).Call(jen.Id(numVar)), jen.Id(errVar)),
	}
}

// storeCall returns the body of UserSessions or DeleteUserSessions: the
// UserStore method with the id's text form and the further arguments.
func storeCall(t *spec.Type, method string, args ...jen.Code) []jen.Code {
	call := func(id jen.Code) jen.Code {
		return jen.Return(jen.Id(storeParam).Dot(method).Call(append([]jen.Code{jen.Id(ctxParam), id}, args...)...))
	}
	if t.Kind != spec.Named {
		return []jen.Code{call(textOf(t))}
	}
	return []jen.Code{
		jen.List(jen.Id(textVar), jen.Id(errVar)).Op(":=").Add(rt("UserText")).Call(jen.Id(idParam)),
		jen.If(jen.Id(errVar).Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Id(errVar))),
		call(jen.Id(textVar)),
	}
}
