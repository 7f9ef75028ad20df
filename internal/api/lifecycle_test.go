package api

import (
	"reflect"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// TestLifecycleMatchesRuntime checks that every lifecycle method exists on
// runtime.Session with the signature the generator forwards.
func TestLifecycleMatchesRuntime(t *testing.T) {
	typ := reflect.TypeFor[*runtime.Session]()
	for _, m := range Lifecycle {
		rm, ok := typ.MethodByName(m.Name)
		if !ok {
			t.Errorf("runtime.Session has no method %s", m.Name)
			continue
		}
		ft := rm.Type // includes the receiver
		if ft.NumIn()-1 != len(m.Params) {
			t.Errorf("%s takes %d parameters, want %d", m.Name, ft.NumIn()-1, len(m.Params))
			continue
		}
		for i, p := range m.Params {
			if got := ft.In(i + 1).String(); got != string(p.Type) {
				t.Errorf("%s parameter %d is %s, want %s", m.Name, i, got, p.Type)
			}
		}
		if ft.NumOut() != len(m.Results) {
			t.Errorf("%s returns %d results, want %d", m.Name, ft.NumOut(), len(m.Results))
			continue
		}
		for i, r := range m.Results {
			if got := ft.Out(i).String(); got != string(r) {
				t.Errorf("%s result %d is %s, want %s", m.Name, i, got, r)
			}
		}
	}
}

// TestRuntimeMethodsAreForwarded checks the other way: every exported
// method of runtime.Session is forwarded or deliberately left out, so a new
// lifecycle method cannot be forgotten by the generator.
func TestRuntimeMethodsAreForwarded(t *testing.T) {
	known := map[string]bool{}
	for _, m := range Lifecycle {
		known[m.Name] = true
	}
	for _, name := range NotForwarded {
		known[name] = true
	}
	typ := reflect.TypeFor[*runtime.Session]()
	for i := range typ.NumMethod() {
		if name := typ.Method(i).Name; !known[name] {
			t.Errorf("runtime.Session.%s is neither in Lifecycle nor in NotForwarded", name)
		}
	}
}
