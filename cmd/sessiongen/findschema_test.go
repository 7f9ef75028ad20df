package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFindSchema checks that check and breaking without -f use
// sessions.yaml in the current folder, or else the one below it, and
// otherwise say to pass -f.
func TestFindSchema(t *testing.T) {
	root := t.TempDir()
	schema := writeTestFile(t, root, "internal/session/sessions.yaml", schemaSrc)
	writeTestFile(t, root, "testdata/sessions.yaml", schemaSrc) // ignored, as go ignores testdata
	writeTestFile(t, root, "other/go.mod", "module other\n")
	writeTestFile(t, root, "other/sessions.yaml", schemaSrc) // another module's
	if code, _, stderr := runCmd(t, "-f", schema); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	against := writeTestFile(t, root, "before.yaml", breakingOld)

	// From the schema's folder, as go generate runs generate.
	t.Chdir(filepath.Dir(schema))
	if code, _, stderr := runCmd(t, "check"); code != 0 {
		t.Errorf("check in the schema's folder: exit %d: %s", code, stderr)
	}
	// From the module's root, as CI runs.
	t.Chdir(root)
	if code, _, stderr := runCmd(t, "check"); code != 0 {
		t.Errorf("check from above: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCmd(t, "breaking", "-against", against)
	if code != exitFail || !strings.Contains(stdout, `key "basket" is removed`) {
		t.Errorf("breaking from above: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// Two schemas below: say which -f to pass.
	writeTestFile(t, root, "cmd/admin/sessions.yaml", schemaSrc)
	for _, args := range [][]string{{"check"}, {"breaking", "-against", against}} {
		code, stdout, stderr := runCmd(t, args...)
		want := "sessiongen: no sessions.yaml in the current folder, and 2 below it (" +
			filepath.Join("cmd", "admin", "sessions.yaml") + ", " + filepath.Join("internal", "session", "sessions.yaml") +
			"); pass -f with one of them\n"
		if code != exitFail || stdout != "" || stderr != want {
			t.Errorf("%s with two schemas: exit %d, stdout %q, stderr %q, want %q", args[0], code, stdout, stderr, want)
		}
	}
	// -f still chooses.
	if code, _, stderr := runCmd(t, "check", "-f", schema); code != 0 {
		t.Errorf("check -f: exit %d: %s", code, stderr)
	}

	// None at all.
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"check"}, {"breaking", "-against", against}} {
		code, _, stderr := runCmd(t, args...)
		want := "sessiongen: no sessions.yaml in the current folder or below it; pass -f with the schema file\n"
		if code != exitFail || stderr != want {
			t.Errorf("%s without a schema: exit %d, stderr %q, want %q", args[0], code, stderr, want)
		}
	}
}

// TestHeaderSource checks that the header names the schema from the
// generated file's folder.
func TestHeaderSource(t *testing.T) {
	root := t.TempDir()
	schema := writeTestFile(t, root, "schema/sessions.yaml", "package: session\n"+schemaSrc)
	out := filepath.Join(root, "session", "sessions_gen.go")
	writeTestFile(t, root, "session/doc.go", "package session\n")
	if code, _, stderr := runCmd(t, "-f", schema, "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	src, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\n// source: ../schema/sessions.yaml\n"; !strings.Contains(string(src), want) {
		t.Errorf("header lacks %q:\n%.200s", want, src)
	}
}
