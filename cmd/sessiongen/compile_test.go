package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgtest"
)

// requires matches the require blocks and lines of the root go.mod.
var requires = regexp.MustCompile(`(?ms)^require (\(.*?^\)|\S+ \S+)$`)

// goDirective matches the go line of the root go.mod.
var goDirective = regexp.MustCompile(`(?m)^go \S+$`)

// TestGeneratedCodeCompiles generates the code for testdata/app's schema
// into a temporary module that uses this repository through a replace
// directive, and runs go vet and that module's tests, which set and read
// every kind of type through the generated API over memstore and pgstore.
// It needs no network beyond the module cache: go.sum is the root's.
func TestGeneratedCodeCompiles(t *testing.T) {
	m := newTempModule(t, "testdata/app")
	schema := filepath.Join(m.dir, "session", "sessions.yaml")
	if code, _, stderr := runCmd(t, "-f", schema); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "check", "-f", schema); code != 0 {
		t.Fatalf("check: exit %d: %s", code, stderr)
	}

	m.vetAndTest(t)
}

// tempModule is a copy of a testdata folder made into a module that uses
// this repository through a replace directive, with testdata/apptest, the
// helpers the tests of every such module share, as its package apptest.
type tempModule struct {
	goBin string   // the go command
	root  string   // this repository
	dir   string   // the module
	env   []string // for go commands in it: no network, a test database
}

// newTempModule copies the folder src into a temporary module.
func newTempModule(t *testing.T, src string) tempModule {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go command in a temporary module")
	}
	m := tempModule{dir: t.TempDir()}
	var err error
	if m.goBin, err = exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	if m.root, err = filepath.Abs("../.."); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to string }{{src, m.dir}, {"testdata/apptest", filepath.Join(m.dir, "apptest")}} {
		if err := os.CopyFS(c.to, os.DirFS(c.from)); err != nil {
			t.Fatal(err)
		}
	}
	writeGoMod(t, m.root, m.dir)
	m.env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "SESSIONGEN_TEST_DATABASE_URL="+pgtest.URL(t))
	return m
}

// vetAndTest runs go vet and the tests of the module, logging what they
// print, and fails the test when either fails.
func (m tempModule) vetAndTest(t *testing.T) {
	t.Helper()
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "-v", "./..."}} {
		start := time.Now()
		cmd := exec.Command(m.goBin, args...)
		cmd.Dir = m.dir
		cmd.Env = m.env
		out, err := cmd.CombinedOutput()
		t.Logf("go %v: %v\n%s", args, time.Since(start).Round(time.Millisecond), out)
		if err != nil {
			t.Fatalf("go %v: %v", args, err)
		}
	}
}

// writeGoMod writes the temporary module's go.mod, with the root module's
// go version and requirements and a replace directive to root, and copies
// the root's go.sum.
func writeGoMod(t *testing.T, root, app string) {
	t.Helper()
	rootMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var mod bytes.Buffer
	mod.WriteString("module example.com/app\n\n")
	mod.Write(goDirective.Find(rootMod))
	mod.WriteString("\n\nrequire github.com/sessiongen/sessiongen v0.0.0\n")
	for _, req := range requires.FindAll(rootMod, -1) {
		mod.WriteString("\n")
		mod.Write(req)
		mod.WriteString("\n")
	}
	mod.WriteString("\nreplace github.com/sessiongen/sessiongen => " + root + "\n")
	if err := os.WriteFile(filepath.Join(app, "go.mod"), mod.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(app, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	// Make the copied tree writable: CopyFS keeps testdata's modes.
	filepath.WalkDir(app, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Chmod(p, 0o644)
		}
		return nil
	})
}

// TestPoliciesCompile generates the accessors of testdata/policyapp, whose
// keys have a ttl, are encrypted or are dropped at sign-in, into a
// temporary module, and runs its tests over memstore and pgstore: values
// end after their ttl and a save removes them, SignIn and CycleKey remove
// the dropped keys, and encrypted values are stored sealed, redacted by
// the admin page, and refused without a key ring.
func TestPoliciesCompile(t *testing.T) {
	m := newTempModule(t, "testdata/policyapp")
	schema := filepath.Join(m.dir, "session", "sessions.yaml")
	if code, _, stderr := runCmd(t, "-f", schema); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "check", "-f", schema); code != 0 {
		t.Fatalf("check: exit %d: %s", code, stderr)
	}
	m.vetAndTest(t)
}
