package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemaEvolution generates the accessors of testdata/evolve's two
// releases of a schema, before and after (three keys renamed with
// renamed_from, one deprecated, one added), into a temporary module, and
// checks that sessiongen breaking accepts the change, that the module's
// tests pass (sessions written through before's accessors keep their
// values when read and rewritten through after's, over the middleware,
// memstore and pgstore), and that staticcheck flags every call of the
// deprecated key's methods.
func TestSchemaEvolution(t *testing.T) {
	m := newTempModule(t, "testdata/evolve")
	oldSchema := filepath.Join(m.dir, "before", "sessions.yaml")
	newSchema := filepath.Join(m.dir, "after", "sessions.yaml")
	for _, schema := range []string{oldSchema, newSchema} {
		if code, _, stderr := runCmd(t, "-f", schema); code != 0 {
			t.Fatalf("generate %s: exit %d: %s", schema, code, stderr)
		}
	}

	// theme gains a default, a warning; nothing else is said.
	code, stdout, stderr := runCmd(t, "breaking", "-against", oldSchema, "-f", newSchema)
	if want := newSchema + `:9:14: warning: key "theme" (renamed from "colour") gets the default "light": ` +
		`sessions that never set it read "light" instead of the zero value` + "\n"; code != 0 || stdout != want {
		t.Errorf("breaking from before to after: exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", code, stdout, want, stderr)
	}
	// Going back would lose the values under their new names.
	if code, stdout, _ := runCmd(t, "breaking", "-against", newSchema, "-f", oldSchema); code != 1 ||
		!strings.Contains(stdout, "values stored under cart_items are lost") {
		t.Errorf("breaking from after to before: exit %d, stdout:\n%s", code, stdout)
	}

	m.vetAndTest(t)

	// staticcheck, as pinned in tools/go.mod, flags each deprecated call.
	staticcheck := filepath.Join(t.TempDir(), "staticcheck")
	cmd := exec.Command(m.goBin, "build", "-modfile=tools/go.mod", "-o", staticcheck, "honnef.co/go/tools/cmd/staticcheck")
	cmd.Dir = m.root
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build staticcheck: %v\n%s", err, out)
	}
	cmd = exec.Command(staticcheck, "-checks", "SA1019", "./...")
	cmd.Dir = m.dir
	cmd.Env = m.env
	out, err := cmd.CombinedOutput()
	t.Logf("staticcheck:\n%s", out)
	if err == nil {
		t.Fatal("staticcheck found no use of a deprecated method")
	}
	for _, method := range []string{"SetLegacy", "LookupLegacy", "DeleteLegacy", "Legacy"} {
		want := "after.Session)." + method + " is deprecated: use theme instead."
		if !strings.Contains(string(out), want) {
			t.Errorf("staticcheck output lacks %q", want)
		}
	}
	if n := strings.Count(string(out), "(SA1019)"); n != 4 {
		t.Errorf("staticcheck reported %d uses of deprecated names, want the 4 calls", n)
	}
}
