package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// typeModule writes a module example.com/app with a package model, and a
// package session that declares a type of its own and holds a stale
// generated file that imports the package itself, as sessiongen wrote
// before it knew the generated package's path. It returns the session
// folder.
func typeModule(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := t.TempDir()
	for name, src := range map[string]string{
		"go.mod":                  "module example.com/app\n\ngo 1.25.0\n",
		"model/model.go":          "package model\n\nimport \"sync\"\n\ntype Prefs struct{ Theme string }\n\ntype Counter struct {\n\tmu sync.Mutex\n\tN  int\n}\n",
		"session/cart.go":         "package session\n\ntype Cart struct{ Items []string }\n",
		"session/sessions_gen.go": "package session\n\nimport \"example.com/app/session\"\n\nvar _ session.Cart\n",
	} {
		writeTestFile(t, dir, name, src)
	}
	return filepath.Join(dir, "session")
}

// TestNamedTypesChecked checks that generating reports named types that
// do not exist or that a session cannot hold at their place in the
// schema, writing nothing, and that a type of the generated package
// itself is written unqualified.
func TestNamedTypesChecked(t *testing.T) {
	dir := typeModule(t)
	schema := writeTestFile(t, dir, "sessions.yaml", `keys:
  cart:
    type: example.com/app/session.Cart
  prefs:
    type: model.Prefs
  counter:
    type: example.com/app/model.Counter
`)
	out := filepath.Join(dir, "sessions_gen.go")
	stale, _ := os.ReadFile(out)
	for _, args := range [][]string{{"-f", schema}, {"check", "-f", schema}} {
		code, _, stderr := runCmd(t, args...)
		want := schema + `:5:11: key "prefs": type model.Prefs names no package: model is not a standard package, and a named type is written with the full import path of its package; did you mean example.com/app/model.Prefs?` + "\n" +
			schema + `:7:11: key "counter": type example.com/app/model.Counter holds a sync.Mutex in field Counter.mu, which every generated getter would copy (go vet's copylocks reports it); store a type without the lock` + "\n"
		if code != 1 || stderr != want {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit 1 and:\n%s", args, code, stderr, want)
		}
	}
	if got, _ := os.ReadFile(out); string(got) != string(stale) {
		t.Errorf("output changed despite errors")
	}

	writeTestFile(t, dir, "sessions.yaml", "keys:\n  cart:\n    type: example.com/app/session.Cart\n  prefs:\n    type: example.com/app/model.Prefs\n")
	if code, _, stderr := runCmd(t, "-f", schema); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	src := string(code)
	if strings.Contains(src, `"example.com/app/session"`) || !strings.Contains(src, ") Cart() Cart {") {
		t.Errorf("the package's own type is not written unqualified:\n%s", src)
	}
	if !strings.Contains(src, `"example.com/app/model"`) {
		t.Errorf("the model package is not imported:\n%s", src)
	}
}

// TestNamedTypeProblemsBesideOthers checks that the problems of named
// types are reported together with the rest of the schema's, in order of
// position, not only once the rest is right.
func TestNamedTypeProblemsBesideOthers(t *testing.T) {
	dir := typeModule(t)
	schema := writeTestFile(t, dir, "sessions.yaml", `keys:
  prefs:
    type: example.com/app/model.Prefz
  BadName:
    type: string
  theme:
    type: integer64
`)
	code, _, stderr := runCmd(t, "-f", schema)
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if code != 1 || len(lines) != 3 {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and three problems", code, stderr)
	}
	for i, want := range []string{
		schema + `:3:11: key "prefs": `,
		schema + `:4:3: key "BadName"`,
		schema + `:7:11: `,
	} {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("problem %d = %q, want it to start with %q", i+1, lines[i], want)
		}
	}
	if !strings.Contains(lines[0], "Prefz") || !strings.Contains(lines[2], `did you mean "int64"`) {
		t.Errorf("problems do not name the type and the fix:\n%s", stderr)
	}
}
