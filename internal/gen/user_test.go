package gen

import (
	"go/ast"
	goimporter "go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spectest"
)

// TestUserTypes type-checks the code generated for a user block of every
// predeclared type of the table gotype, and of named types of the standard
// library with a text form, against the runtime: the generated SignIn,
// BoundUser, UserSessions and DeleteUserSessions compile and take or
// return the id as its type.
func TestUserTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the runtime from source")
	}
	names := []string{"time.Time", "net/netip.Addr"}
	for _, e := range gotype.All() {
		if e.Path == "" {
			names = append(names, e.Name)
		}
	}
	fset := token.NewFileSet()
	conf := types.Config{Importer: goimporter.ForCompiler(fset, "source", nil)}
	for _, name := range names {
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			s := spectest.Read(t, "sessions.yaml", "package: session\nuser: {type: "+name+"}\nkeys: {theme: {type: string}}\n")
			out, err := Generate(s)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, "sessions_gen.go", out, 0)
			if err != nil {
				t.Fatal(err)
			}
			pkg, err := conf.Check("example.com/app/session", fset, []*ast.File{f}, nil)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			id := s.UserType().String()
			if i := strings.LastIndexByte(id, '/'); i >= 0 {
				id = id[i+1:]
			}
			session := pkg.Scope().Lookup("Session").Type()
			for method, want := range map[string]string{
				"SignIn":    "func(id " + id + ")",
				"BoundUser": "func() (" + id + ", bool)",
			} {
				m, _, _ := types.LookupFieldOrMethod(types.NewPointer(session), true, pkg, method)
				if got := types.TypeString(m.Type(), qualifier); got != want {
					t.Errorf("%s: %s, want %s", method, got, want)
				}
			}
			for fn, want := range map[string]string{
				"UserSessions":       "func(ctx context.Context, store runtime.UserStore, id " + id + ") ([]runtime.SessionInfo, error)",
				"DeleteUserSessions": "func(ctx context.Context, store runtime.UserStore, id " + id + ", keep runtime.TokenHash) ([]runtime.TokenHash, error)",
			} {
				if got := types.TypeString(pkg.Scope().Lookup(fn).Type(), qualifier); got != want {
					t.Errorf("%s: %s, want %s", fn, got, want)
				}
			}
		})
	}
}

// qualifier names a package by its name.
func qualifier(p *types.Package) string { return p.Name() }
