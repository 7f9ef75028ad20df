package breaking

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the want.txt files in testdata")

// readSchema reads a schema of testdata, naming it by its base name.
func readSchema(t *testing.T, file string) *spec.Schema {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Read(filepath.Base(file), src)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCompare compares each testdata/<case>/old.yaml with its new.yaml and
// the changes, one a line, with want.txt. Run with -update to rewrite
// them.
func TestCompare(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			old := readSchema(t, filepath.Join(dir, "old.yaml"))
			new := readSchema(t, filepath.Join(dir, "new.yaml"))
			var b strings.Builder
			for _, c := range Compare(old, new) {
				b.WriteString(c.String() + "\n")
			}
			got := b.String()
			file := filepath.Join(dir, "want.txt")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("changes differ from %s (run go test -update and review the diff):\ngot:\n%swant:\n%s", file, got, want)
			}
		})
	}
}

// TestCompareItself checks that a schema compared with itself has no
// change, for every schema of testdata.
func TestCompareItself(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	for _, file := range files {
		s := readSchema(t, file)
		if changes := Compare(s, s); len(changes) != 0 {
			t.Errorf("%s compared with itself: %v", file, changes)
		}
	}
}
