package gen

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/sessiongen/sessiongen/internal/api"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// policyDecl emits the variable that holds the runtime.Policy of k, a key
// with a ttl or encrypted, which each of its accessors passes to the
// runtime.
func policyDecl(f *jen.File, k *spec.Key) {
	var fields []jen.Code
	var says []string
	if k.TTL > 0 {
		fields = append(fields, jen.Id("TTL").Op(":").Add(duration(k.TTL)))
		says = append(says, "ends "+spec.DurationText(k.TTL)+" after it is set")
	}
	if k.Encrypted {
		fields = append(fields, jen.Id("Encrypted").Op(":").True())
		says = append(says, "is sealed under the manager's key ring")
	}
	f.Comment(wrap(fmt.Sprintf("%s is how the accessors of %s store it, as the schema says: each value %s.",
		policyVar(k), k.Name, strings.Join(says, ", and "))))
	f.Var().Id(policyVar(k)).Op("=").Add(rt("Policy")).Values(fields...)
}

// policyVar returns the variable that holds the policy of k.
func policyVar(k *spec.Key) string { return api.PolicyVar(k.GoName) }

// ttlNote returns the comment note of an accessor of a key with a ttl, or
// "".
func ttlNote(k *spec.Key) string {
	if k.TTL <= 0 {
		return ""
	}
	return fmt.Sprintf("A value of %s ends %s after it is set: from then on the session reads it as unset, "+
		"and its next save removes it.", k.Name, spec.DurationText(k.TTL))
}

// updateTTLNote returns the comment note of the update method of a key with
// a ttl, or "".
func updateTTLNote(k *spec.Key) string {
	if k.TTL <= 0 {
		return ""
	}
	return fmt.Sprintf("A value of %s ends %s after it is set: fn receives an ended one as unset, "+
		"and the value fn returns ends %s after the update.", k.Name, spec.DurationText(k.TTL), spec.DurationText(k.TTL))
}

// encryptedNote returns the comment note of a method that reads an
// encrypted key, or "".
func encryptedNote(k *spec.Key) string {
	if !k.Encrypted {
		return ""
	}
	return "The value is encrypted: the session stores it sealed with AES-256-GCM under the manager's key ring " +
		"(runtime.WithKeyRing), and the admin page and logs redact it. A stored value that no key of the ring " +
		"opens reads as unset, logged once per request. Without a key ring the request fails through the " +
		"manager's error handler."
}

// encryptedWriteNote returns the comment note of a method that writes an
// encrypted key, or "".
func encryptedWriteNote(k *spec.Key) string {
	if !k.Encrypted {
		return ""
	}
	return "The session stores the value sealed under the manager's key ring (runtime.WithKeyRing); " +
		"without one, the request fails and nothing is stored."
}

// dropNote returns the comment note of a method that reads a key marked
// on_sign_in: drop, or "".
func dropNote(k *spec.Key) string {
	if !k.DropOnSignIn {
		return ""
	}
	return fmt.Sprintf("SignIn and CycleKey remove %s (on_sign_in: drop): the signed-in session does not carry it.", k.Name)
}

// droppedKeys returns the keys of s marked on_sign_in: drop.
func droppedKeys(s *spec.Schema) []*spec.Key {
	var keys []*spec.Key
	for _, k := range s.Keys {
		if k.DropOnSignIn {
			keys = append(keys, k)
		}
	}
	return keys
}

// droppedList names the keys marked on_sign_in: drop in a sentence:
// "wizard_step", "otp and wizard_step".
func droppedList(keys []*spec.Key) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// dropDecls emits, for a schema with keys marked on_sign_in: drop, the
// unexported method that removes them, and the SignIn (unless userDecls
// emits a typed one) and CycleKey that call it, shadowing those of
// runtime.Session. Without such keys it emits nothing, so the generated
// file is what it was before on_sign_in.
func dropDecls(f *jen.File, s *spec.Schema) {
	keys := droppedKeys(s)
	if len(keys) == 0 {
		return
	}
	source := filepath.Base(s.File)
	them := "them"
	if len(keys) == 1 {
		them = "it"
	}
	if s.User == nil {
		f.Comment(wrap(fmt.Sprintf("SignIn cycles the session key, as CycleKey does, and binds the session to "+
			"userID, as runtime.Session's SignIn does. It first removes %s, which %s marks on_sign_in: drop: "+
			"state for visitors that the signed-in session does not carry.", droppedList(keys), source)))
		f.Func().Params(receiver()).Id("SignIn").Params(jen.Id("userID").String()).Block(
			jen.Id(recv).Dot(api.DropOnSignInName).Call(),
			inner().Dot("SignIn").Call(jen.Id("userID")),
		)
	}
	f.Comment(wrap(fmt.Sprintf("CycleKey gives the session a new token while keeping its data, as "+
		"runtime.Session's CycleKey does, except %s, which %s marks on_sign_in: drop: it removes %s.",
		droppedList(keys), source, them)))
	f.Func().Params(receiver()).Id("CycleKey").Params().Block(
		jen.Id(recv).Dot(api.DropOnSignInName).Call(),
		inner().Dot("CycleKey").Call(),
	)
	f.Comment(wrap(fmt.Sprintf("%s removes the keys that %s marks on_sign_in: drop, with any value left "+
		"under their former names.", api.DropOnSignInName, source)))
	var body []jen.Code
	for _, k := range keys {
		body = append(body, rt("Delete").Call(inner(), jen.Lit(k.Name)))
		body = append(body, deleteFormer(k)...)
	}
	f.Func().Params(receiver()).Id(api.DropOnSignInName).Params().Block(body...)
}
