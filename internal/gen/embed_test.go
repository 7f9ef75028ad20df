package gen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/sessiongen/sessiongen/example/minimal/session"
	"github.com/sessiongen/sessiongen/internal/api"
	"github.com/sessiongen/sessiongen/internal/spec"
	"github.com/sessiongen/sessiongen/runtime"
)

// minimalDir holds a generated package that these tests compile in: the
// minimal example's session.
const minimalDir = "../../example/minimal/session"

// TestSessionHasRuntimeMethods checks that a generated Session has every
// exported method of *runtime.Session in its method set, with the same
// signature, as it does by embedding the runtime session. It reflects on
// the minimal example's generated package, after checking that the package
// is what Generate writes now.
func TestSessionHasRuntimeMethods(t *testing.T) {
	got := generate(t, filepath.Join(minimalDir, "sessions.yaml"))
	committed, err := os.ReadFile(filepath.Join(minimalDir, "sessions_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Fatalf("%s/sessions_gen.go is not what Generate writes now: run go generate ./... in the repository's root", minimalDir)
	}

	generated := reflect.TypeFor[*session.Session]()
	rt := reflect.TypeFor[*runtime.Session]()
	if rt.NumMethod() == 0 {
		t.Fatal("runtime.Session has no exported methods")
	}
	for i := range rt.NumMethod() {
		want := rt.Method(i)
		m, ok := generated.MethodByName(want.Name)
		if !ok {
			t.Errorf("the generated Session has no method %s of runtime.Session", want.Name)
			continue
		}
		if got, want := signature(m), signature(want); got != want {
			t.Errorf("the generated Session's %s is %s, want runtime.Session's %s", m.Name, got, want)
		}
	}
	// The keys' methods are there too, beside the promoted ones.
	for _, name := range []string{"Visits", "SetVisits", "UpdateVisits", "Name", "DeleteName"} {
		if _, ok := generated.MethodByName(name); !ok {
			t.Errorf("the generated Session has no method %s", name)
		}
	}
}

// signature returns the parameter and result types of m, without its
// receiver: "(string) (bool)".
func signature(m reflect.Method) string {
	var in, out []string
	for i := 1; i < m.Type.NumIn(); i++ {
		in = append(in, m.Type.In(i).String())
	}
	for i := range m.Type.NumOut() {
		out = append(out, m.Type.Out(i).String())
	}
	return fmt.Sprintf("(%s) (%s)", strings.Join(in, ", "), strings.Join(out, ", "))
}

// TestKeysCannotShadowRuntimeMethods checks that a key whose getter would
// take the name of a method of runtime.Session is rejected: declared on the
// generated type, it would silently hide the promoted method.
func TestKeysCannotShadowRuntimeMethods(t *testing.T) {
	rt := reflect.TypeFor[*runtime.Session]()
	for i := range rt.NumMethod() {
		name := rt.Method(i).Name
		key := snakeCase(name)
		_, err := spec.Read("s.yaml", []byte("keys:\n  "+key+":\n    type: int\n"))
		want := fmt.Sprintf("would generate %s, which clashes with the lifecycle method %s", name, name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("key %q: error %v, want one containing %q", key, err, want)
		}
	}
}

// snakeCase returns the key whose Go name is the method name name:
// CycleKey → cycle_key.
func snakeCase(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// TestLifecycleExamples checks that the lifecycle methods named by the
// session type's comment exist.
func TestLifecycleExamples(t *testing.T) {
	for _, name := range lifecycleExamples {
		if !slices.Contains(api.Lifecycle, name) {
			t.Errorf("the session type's comment names %s, which runtime.Session does not have", name)
		}
	}
}
