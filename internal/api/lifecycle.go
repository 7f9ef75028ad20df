package api

import (
	"reflect"

	"github.com/sessiongen/sessiongen/runtime"
)

// Lifecycle lists the lifecycle methods of the generated session type, in
// sorted order: every exported method of *runtime.Session, read from the
// type itself. The generated type embeds the runtime session, so it has
// them all, with runtime.Session's documentation; a new runtime method is
// one more name here, which no key may then take.
var Lifecycle = methodNames(reflect.TypeFor[*runtime.Session]())

// methodNames returns the names of the exported methods of t, sorted.
func methodNames(t reflect.Type) []string {
	names := make([]string, t.NumMethod()) // exported methods only
	for i := range names {
		names[i] = t.Method(i).Name // sorted, as reflect lists them
	}
	return names
}
