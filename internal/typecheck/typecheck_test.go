package typecheck

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/sessiongen/sessiongen/internal/golden"
	"github.com/sessiongen/sessiongen/internal/spec"
	"github.com/sessiongen/sessiongen/internal/spectest"
)

// appDir is the testdata module, example.com/app.
const appDir = "testdata/app"

// local is the import path of the package the tests generate into.
const local = "example.com/app/session"

// TestGolden checks every schema of testdata/app/schemas against its
// .golden file: the errors Check reports, one a line, or nothing. Run with
// -update to rewrite them.
func TestGolden(t *testing.T) {
	schemas, err := filepath.Glob(filepath.Join(appDir, "schemas", "*.yaml"))
	if err != nil || len(schemas) == 0 {
		t.Fatalf("no schemas: %v", err)
	}
	for _, schema := range schemas {
		name := strings.TrimSuffix(filepath.Base(schema), ".yaml")
		t.Run(name, func(t *testing.T) {
			s := spectest.ReadFile(t, schema)
			var got string
			if err := Check(s, filepath.Dir(schema), local); err != nil {
				var list spec.ErrorList
				if !errors.As(err, &list) {
					t.Fatalf("Check returned %T, not a spec.ErrorList: %v", err, err)
				}
				got = err.Error() + "\n"
			}
			golden.Check(t, strings.TrimSuffix(schema, ".yaml")+".golden", got)
		})
	}
}

// countLoads makes load count its calls in *n for the rest of the test.
func countLoads(t *testing.T, n *int) {
	orig := load
	t.Cleanup(func() { load = orig })
	load = func(cfg *packages.Config, patterns ...string) ([]*packages.Package, error) {
		*n++
		return orig(cfg, patterns...)
	}
}

// TestLoads checks that a schema of the table's types loads no package,
// that one with named types loads them all at once, and that a path
// without its module's path lists the module's packages besides.
func TestLoads(t *testing.T) {
	tests := []struct {
		name, src string
		loads     int
	}{
		{"table types", `keys:
  a: {type: int64}
  b: {type: "[]string"}
  c: {type: "map[string][]float64"}
  d: {type: time.Time}
  e: {type: "[]time.Duration"}
  f: {type: "map[string]time.Time"}
`, 0},
		{"named types", `keys:
  a: {type: example.com/app/model.Prefs}
  b: {type: "[]example.com/app/model.Secret"}
  c: {type: time.Month}
  d: {type: example.com/app/session.Cart}
`, 1},
		{"a path without the module's", `keys:
  a: {type: model.Prefs}
  b: {type: model.Secret}
`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n int
			countLoads(t, &n)
			Check(spectest.Read(t, "s.yaml", tt.src), appDir, local)
			if n != tt.loads {
				t.Errorf("%d loads, want %d", n, tt.loads)
			}
		})
	}
}

// TestInternal checks that a type of an internal package is rejected for a
// generated package outside the internal package's parent.
func TestInternal(t *testing.T) {
	s := spectest.Read(t, "s.yaml", "keys:\n  k: {type: example.com/app/internal/secret.Key}\n")
	if err := Check(s, appDir, local); err != nil {
		t.Errorf("inside the module: %v", err)
	}
	err := Check(s, appDir, "example.org/elsewhere/session")
	want := `s.yaml:2:13: key "k": type example.com/app/internal/secret.Key is in an internal package, which the generated package example.org/elsewhere/session may not import; move the type, or the generated package under example.com/app`
	if err == nil || err.Error() != want {
		t.Errorf("outside the module: %v, want %s", err, want)
	}
}

// TestPackagePath checks the import path of a folder by its module.
func TestPackagePath(t *testing.T) {
	for dir, want := range map[string]string{
		appDir:                           "example.com/app",
		filepath.Join(appDir, "session"): "example.com/app/session",
		filepath.Join(appDir, "new/pkg"): "example.com/app/new/pkg", // need not exist
	} {
		if got := PackagePath(dir); got != want {
			t.Errorf("PackagePath(%s) = %q, want %q", dir, got, want)
		}
	}
}
