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
		switch {
		case m.Result == "" && ft.NumOut() != 0:
			t.Errorf("%s returns %d results, want none", m.Name, ft.NumOut())
		case m.Result != "" && (ft.NumOut() != 1 || ft.Out(0).String() != string(m.Result)):
			t.Errorf("%s returns %v, want %s", m.Name, ft, m.Result)
		}
	}
}
