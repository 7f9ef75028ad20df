package filestore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime/filestore"
)

func TestNewRefusesWhatIsNotADirectory(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	file := filepath.Join(parent, "sessions")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, dir, says string }{
		{"missing", filepath.Join(parent, "missing"), " does not exist: create it"},
		{"a file", file, " is not a directory"},
		{"under a file", filepath.Join(file, "sub"), ": not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := filestore.New(tt.dir)
			if err == nil {
				t.Fatalf("New(%s) = %v, want an error", tt.dir, s)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "filestore: session directory "+tt.dir) || !strings.Contains(msg, tt.says) {
				t.Errorf("New(%s): %q; want it to name the directory and say %q", tt.dir, msg, tt.says)
			}
		})
	}
}

func TestNewMakesARelativePathAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(filepath.Dir(dir))
	s := newStore(t, filepath.Base(dir))
	if s.Dir() != dir {
		t.Errorf("Dir() = %s, want %s", s.Dir(), dir)
	}
}
