package gen

import (
	"go/ast"
	goimporter "go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"
)

// TestPolicyCode type-checks the code generated for the schemas with
// policies against the runtime, and checks that SignIn and CycleKey are
// declared, with runtime.Session's signatures or the user type's, only
// when a key is marked on_sign_in: drop.
func TestPolicyCode(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the runtime from source")
	}
	fset := token.NewFileSet()
	conf := types.Config{Importer: goimporter.ForCompiler(fset, "source", nil)}
	for _, c := range []struct {
		file           string
		signIn, cycle  string // "" when not declared by the file
		declaresPolicy bool
	}{
		{"testdata/golden/policies.yaml", "func(userID string)", "func()", true},
		{"testdata/golden/user_dropped.yaml", "func(id int64)", "func()", false},
		{"testdata/golden/user.yaml", "func(id int64)", "", false},
		{"testdata/golden/basic.yaml", "", "", false},
	} {
		t.Run(c.file, func(t *testing.T) {
			out := generate(t, c.file)
			f, err := parser.ParseFile(fset, "sessions_gen.go", out, 0)
			if err != nil {
				t.Fatal(err)
			}
			pkg, err := conf.Check("example.com/app/session", fset, []*ast.File{f}, nil)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			session := pkg.Scope().Lookup("Session").Type()
			for name, want := range map[string]string{"SignIn": c.signIn, "CycleKey": c.cycle} {
				m, _, _ := types.LookupFieldOrMethod(types.NewPointer(session), true, pkg, name)
				own := m != nil && m.Pkg() == pkg && m.(*types.Func).Signature().Recv().Type().String() == "*example.com/app/session.Session"
				switch {
				case want == "" && own:
					t.Errorf("%s is declared by the generated file", name)
				case want != "" && !own:
					t.Errorf("%s is not declared by the generated file", name)
				case want != "" && types.TypeString(m.Type(), qualifier) != want:
					t.Errorf("%s: %s, want %s", name, types.TypeString(m.Type(), qualifier), want)
				}
			}
			if got := strings.Contains(string(out), "runtime.Policy{"); got != c.declaresPolicy {
				t.Errorf("declares a runtime.Policy: %v, want %v", got, c.declaresPolicy)
			}
		})
	}
}
