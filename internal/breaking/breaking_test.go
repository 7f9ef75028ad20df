package breaking

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/golden"
	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
	"github.com/sessiongen/sessiongen/internal/spectest"
)

// TestCompare compares each testdata/<case>/old.yaml with its new.yaml and
// the changes, one a line, with want.txt. Run with -update to rewrite
// them.
func TestCompare(t *testing.T) {
	for _, dir := range spectest.Glob(t, "testdata/*") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			old := spectest.ReadFile(t, filepath.Join(dir, "old.yaml"))
			new := spectest.ReadFile(t, filepath.Join(dir, "new.yaml"))
			var b strings.Builder
			for _, c := range Compare(old, new) {
				b.WriteString(c.String() + "\n")
			}
			got := b.String()
			golden.Check(t, filepath.Join(dir, "want.txt"), got)
		})
	}
}

// TestCompareItself checks that a schema compared with itself has no
// change, for every schema of testdata.
func TestCompareItself(t *testing.T) {
	for _, file := range spectest.Glob(t, "testdata/*/*.yaml") {
		s := spectest.ReadFile(t, file)
		if changes := Compare(s, s); len(changes) != 0 {
			t.Errorf("%s compared with itself: %v", file, changes)
		}
	}
}

// FuzzCompare checks that Compare does not panic on any two schemas the
// reader accepts, that each change it reports is placed in one of the two
// files and names a key, and that a schema compared with itself has none.
func FuzzCompare(f *testing.F) {
	for _, dir := range spectest.Glob(f, "testdata/*") {
		f.Add(spectest.Source(f, filepath.Join(dir, "old.yaml")), spectest.Source(f, filepath.Join(dir, "new.yaml")))
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

// TestDefaultChanges checks, for every type of the table gotype, that
// Compare warns of a change between two defaults of the type exactly when
// they are different values, naming both as a schema writes them.
func TestDefaultChanges(t *testing.T) {
	for _, e := range gotype.All() {
		for _, od := range spectest.Defaults(e) {
			for _, nd := range spectest.Defaults(e) {
				old := spectest.Read(t, "old.yaml", spectest.WithDefault(e.String(), od))
				new := spectest.Read(t, "new.yaml", spectest.WithDefault(e.String(), nd))
				ov, nv := old.Keys[0].Default, new.Keys[0].Default
				changes := Compare(old, new)
				var want []string
				if !reflect.DeepEqual(ov, nv) {
					want = []string{fmt.Sprintf(`new.yaml:4:14: warning: key "a" changes its default from %s to %s: `+
						"sessions that never set it read the new one", ov.Text(old.Keys[0].Type), nv.Text(new.Keys[0].Type))}
				}
				var got []string
				for _, c := range changes {
					got = append(got, c.String())
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s default %s to %s: got %q, want %q", e, od, nd, got, want)
				}
			}
		}
	}
}
