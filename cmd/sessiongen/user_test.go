package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTypedUserCompiles generates the accessors of testdata/userapp's two
// schemas, whose user blocks declare an int64 and a named user id type,
// into a temporary module, checks what sessiongen breaking says of
// declaring the int64, and runs the module's tests: they sign in with
// typed ids, read them back, and list and delete a user's sessions through
// the generated functions over memstore and pgstore, and read an id stored
// as text that does not parse as not bound, logged once per session.
func TestTypedUserCompiles(t *testing.T) {
	m := newTempModule(t, "testdata/userapp")
	for _, pkg := range []string{"session", "account"} {
		schema := filepath.Join(m.dir, pkg, "sessions.yaml")
		if code, _, stderr := runCmd(t, "-f", schema); code != 0 {
			t.Fatalf("generate %s: exit %d: %s", pkg, code, stderr)
		}
		if code, _, stderr := runCmd(t, "check", "-f", schema); code != 0 {
			t.Fatalf("check %s: exit %d: %s", pkg, code, stderr)
		}
	}

	// Declaring the int64 breaks the sessions of ids stored as strings.
	schema := filepath.Join(m.dir, "session", "sessions.yaml")
	src, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "sessions.yaml")
	untyped := strings.Replace(string(src), "user:\n  type: int64\n", "", 1)
	if err := os.WriteFile(old, []byte(untyped), 0o644); err != nil {
		t.Fatal(err)
	}
	want := schema + ":4:9: breaking: the user id type (_user) changes from string to int64: "
	if code, stdout, _ := runCmd(t, "breaking", "-against", old, "-f", schema); code != 1 || !strings.HasPrefix(stdout, want) {
		t.Errorf("breaking from string ids to int64: exit %d, stdout:\n%s\nwant it to start with:\n%s", code, stdout, want)
	}
	if code, stdout, stderr := runCmd(t, "breaking", "-against", old, "-allow", "_user", "-f", schema); code != 0 {
		t.Errorf("breaking -allow _user: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if code, stdout, _ := runCmd(t, "breaking", "-against", schema, "-f", old); code != 0 || stdout != "" {
		t.Errorf("breaking from int64 ids back to strings: exit %d, stdout:\n%s", code, stdout)
	}

	m.vetAndTest(t)
}
