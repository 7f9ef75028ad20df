package breaking

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/spec"
)

// FuzzCompare checks that Compare does not panic on any two schemas the
// reader accepts, that each change it reports is placed in one of the two
// files and names a key, and that a schema compared with itself has none.
func FuzzCompare(f *testing.F) {
	dirs, _ := filepath.Glob("testdata/*")
	for _, dir := range dirs {
		old, err1 := os.ReadFile(filepath.Join(dir, "old.yaml"))
		new, err2 := os.ReadFile(filepath.Join(dir, "new.yaml"))
		if err1 != nil || err2 != nil {
			f.Fatal(err1, err2)
		}
		f.Add(old, new)
	}
	f.Fuzz(func(t *testing.T, oldSrc, newSrc []byte) {
		old, err := spec.Read("old.yaml", oldSrc)
		if err != nil {
			return
		}
		new, err := spec.Read("new.yaml", newSrc)
		if err != nil {
			return
		}
		for _, c := range Compare(old, new) {
			if c.Pos.File != "old.yaml" && c.Pos.File != "new.yaml" || c.Pos.Line == 0 {
				t.Errorf("change without a position in either file: %v", c)
			}
			if c.Key == "" || !strings.Contains(c.Msg, c.Key) {
				t.Errorf("change whose message does not name its key %q: %v", c.Key, c)
			}
		}
		if changes := Compare(new, new); len(changes) != 0 {
			t.Errorf("schema compared with itself: %v", changes)
		}
	})
}
