package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// namedTypeErrorMark is in the README's example of a named-type error, a
// text block of its sessions.yaml reference.
const namedTypeErrorMark = `key "prefs": type model.Prefs names no package`

// checkReadmeNamedTypeError checks, in app, the newcomer's module after
// the README's steps, that go generate prints the named-type error the
// README shows: the schema gains a key of type model.Prefs, without the
// import path of the app's package internal/model that declares Prefs.
func checkReadmeNamedTypeError(t *testing.T, goBin, app string, env []string) {
	t.Helper()
	var want string
	for _, b := range readmeBlocks(t) {
		if b.lang == "text" && strings.Contains(b.body, namedTypeErrorMark) {
			want = b.body
		}
	}
	if want == "" {
		t.Fatalf("README.md has no text block with %q", namedTypeErrorMark)
	}
	model := filepath.Join(app, "internal", "model")
	if err := os.MkdirAll(model, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(model, "model.go"), "package model\n\n// Prefs are a user's preferences.\ntype Prefs struct{ Theme string }\n")
	schema := filepath.Join(app, filepath.FromSlash(newcomerPackage), "sessions.yaml")
	src, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, schema, string(src)+"  prefs:\n    type: model.Prefs\n")
	cmd := exec.Command(goBin, "generate", "./...")
	cmd.Dir, cmd.Env = app, env
	out, err := cmd.CombinedOutput()
	t.Logf("named-type error: go generate ./...: %v\n%s", err, out)
	if err == nil {
		t.Fatal("go generate accepted type model.Prefs")
	}
	for line := range strings.SplitSeq(strings.TrimSpace(want), "\n") {
		if !strings.Contains(string(out), line+"\n") {
			t.Errorf("go generate does not print the README's line\n%s\nbut:\n%s", line, out)
		}
	}
}
