package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/golden"
)

// TestSyntaxErrors reads each testdata/syntax/*.yaml, a schema with YAML
// syntax errors, and compares the problems reported, one a line, with its
// .golden file. Run with -update to rewrite them.
func TestSyntaxErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/syntax/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test schemas: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Read(filepath.Base(file), src)
			if err == nil || s != nil {
				t.Fatalf("Read accepted %s", file)
			}
			got := err.Error() + "\n"
			for line := range strings.Lines(got) {
				if strings.Contains(line, "YAML syntax error") && strings.Count(line[:strings.Index(line, ": ")], ":") != 2 {
					t.Errorf("a syntax error without a column: %s", line)
				}
			}
			golden.Check(t, strings.TrimSuffix(file, ".yaml")+".golden", got)
		})
	}
}

// TestLocateSyntaxErrorValid checks that the scan finds nothing wrong in
// valid schemas, in the layouts YAML allows.
func TestLocateSyntaxErrorValid(t *testing.T) {
	files, _ := filepath.Glob("../gen/testdata/golden/*.yaml")
	more, _ := filepath.Glob("../../example/*/sessions.yaml")
	files = append(files, more...)
	more, _ = filepath.Glob("../../example/*/*/sessions.yaml")
	files = append(files, more...)
	srcs := map[string]string{
		"list at key indent": "keys:\n  a:\n    type: string\n    renamed_from:\n    - b\n    - c\n  d: {type: int}\n",
		"nested lists":       "keys:\n  a:\n    type: \"[][]int\"\n    default:\n      - - 1\n        - 2\n      - [3]\n",
		"list of mappings":   "x:\n  - a: 1\n    b: 2\n  - c: 3\nkeys: {a: {type: int}}\n",
		"block scalars":      "keys:\n  a:\n    type: string\n    doc: >-\n      Text: with \"quotes\n\n      and [ brackets.\n    default: |\n      a\n",
		"multi-line flow":    "keys:\n  a: {type: \"[]int\",\n      default: [1,\n        2]}\n",
		"multi-line quote":   "keys:\n  a:\n    type: string\n    doc: \"one\n      two\"\n    default: 'it''s'\n",
		"comments":           "# c: d: e\nkeys: # a [\n  a: # b \"\n    type: int # c {\n",
		"plain with colons":  "keys:\n  a:\n    type: string\n    default: http://x:8080/a#b\n    doc: it's a:b\n",
		"document markers":   "---\nkeys:\n  a:\n    type: int\n...\n",
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = string(src)
	}
	if len(srcs) < 15 {
		t.Fatalf("only %d schemas", len(srcs))
	}
	for name, src := range srcs {
		if _, err := Read("s.yaml", []byte(src)); err != nil && strings.Contains(err.Error(), "YAML syntax error") {
			t.Errorf("%s: not valid YAML: %v", name, err)
			continue
		}
		if p, ok := locateSyntaxError([]byte(src), 0); ok {
			t.Errorf("%s: the scan finds %d:%d: %s", name, p.line, p.col, p.msg)
		}
	}
}

// FuzzRead checks that Read neither panics nor reports a YAML syntax error
// without a position, whatever the source.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/syntax/*.yaml")
	for _, file := range files {
		src, _ := os.ReadFile(file)
		f.Add(string(src))
	}
	f.Add("  keys:\nx: 1\n")
	f.Fuzz(func(t *testing.T, src string) {
		_, err := Read("s.yaml", []byte(src))
		var list ErrorList
		if err != nil && !errors.As(err, &list) {
			t.Fatalf("error %T is not an ErrorList", err)
		}
		for _, e := range list {
			if e.Pos.Line < 0 || e.Pos.Col < 0 {
				t.Errorf("bad position %v", e)
			}
		}
	})
}
