// Package golden compares a test's output with a golden file in testdata,
// and rewrites the file instead when the test runs with -update:
//
//	golden.Check(t, "testdata/syntax/tab.golden", got)
//
//	go test ./internal/spec -update   # then review the diff
//
// A test binary that imports it gets the -update flag from it, so the
// tests that use it must not define one of their own.
package golden

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files instead of comparing with them")

// Check fails t unless the file at path holds got; with -update it writes
// got to path instead.
func Check(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update and review the diff):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// Updating reports whether the test runs with -update.
func Updating() bool { return *update }
