package gen

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
	"github.com/sessiongen/sessiongen/internal/spectest"
)

// timeSource declares what generated defaults use of package time.
const timeSource = `package time

type Duration int64

const (
	Nanosecond  Duration = 1
	Microsecond          = 1000 * Nanosecond
	Millisecond          = 1000 * Microsecond
	Second               = 1000 * Millisecond
	Minute               = 60 * Second
	Hour                 = 60 * Minute
)
`

// importer imports packages from their source.
type importer map[string]*types.Package

// Import returns the package at path.
func (m importer) Import(path string) (*types.Package, error) {
	if p, ok := m[path]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("no package %s", path)
}

// check type-checks src as the file of package path.
func check(t *testing.T, imp importer, path, src string) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path+".go", src, 0)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	conf := types.Config{Importer: imp}
	pkg, err := conf.Check(path, fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return pkg
}

// TestDefaultConstants checks, for every type of the table gotype that
// takes a default, that the code generated for the type and for each of
// some defaults of it, its least and greatest values among them, declares
// a constant of that type with the default's value.
func TestDefaultConstants(t *testing.T) {
	imp := importer{}
	imp["time"] = check(t, imp, "time", timeSource)
	for _, e := range gotype.All() {
		for _, def := range spectest.Defaults(e) {
			k := spectest.Read(t, "s.yaml", spectest.WithDefault(e.String(), def)).Keys[0]
			src := fmt.Sprintf("package p\n\nimport \"time\"\n\nvar _ time.Duration\n\nconst c %#v = %#v\n",
				typeCode(k.Type), literal(k.Type, k.Default, false))
			c := check(t, imp, "p", src).Scope().Lookup("c").(*types.Const)
			if got, want := c.Val(), constantOf(e, k.Default); !constant.Compare(got, token.EQL, want) {
				t.Errorf("default %s of %s: constant %s, want %s\n%s", def, e, got, want, src)
			}
		}
	}
}

// constantOf returns v, a default of e, as a constant.
func constantOf(e gotype.Type, v *spec.Value) constant.Value {
	switch e.Kind {
	case gotype.Bool:
		return constant.MakeBool(v.Bool)
	case gotype.String:
		return constant.MakeString(v.String)
	case gotype.Float:
		return constant.MakeFloat64(v.Float)
	case gotype.Uint:
		return constant.MakeUint64(v.Uint)
	case gotype.Duration:
		return constant.MakeInt64(int64(v.Duration))
	}
	return constant.MakeInt64(v.Int)
}
