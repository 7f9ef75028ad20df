package gen

import (
	"errors"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/spec"
	"github.com/sessiongen/sessiongen/internal/spectest"
)

// FuzzSchema checks that no input panics the reader or the generator, that
// the reader's errors all carry a position in the file, and that whatever
// the reader accepts generates code that go/parser parses.
func FuzzSchema(f *testing.F) {
	for _, file := range spectest.Glob(f, "testdata/golden/*.yaml") {
		f.Add(spectest.Source(f, file))
	}
	for _, src := range []string{
		"keys: {a: {type: int, default: 1}}",
		"keys: {a: {type: \"[]map[string]int8\", default: [{x: 1}]}}",
		"keys: {a: {type: x.y/z.T, flash: true, sensitive: true, doc: \"D. E.\"}}",
		"package: p\nkeys:\n  a: &x {type: int}\n  b: *x\n",
		"keys: {flush: {type: bool}, set_x: {type: int}, x: {type: int}}",
		"keys: {a: {type: int, flash: true, renamed_from: [b, c], deprecated: \"use d. Soon.\"}, d: {type: int, renamed_from: [e]}}",
		"keys: {a: {type: int, renamed_from: [a, _b, B, d, d]}, d: {type: int, renamed_from: [c]}, e: {type: int, renamed_from: [c]}}",
		"keys: [\n",
		"",
	} {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := spec.Read("f.yaml", src)
		if err != nil {
			var list spec.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Read error %T is not a non-empty ErrorList: %v", err, err)
			}
			for _, e := range list {
				if !strings.HasPrefix(e.Error(), "f.yaml") {
					t.Fatalf("error without the file name: %v", e)
				}
			}
			return
		}
		if s.Package == "" {
			s.Package = "session"
		}
		out, err := Generate(s)
		if err != nil {
			t.Fatalf("Generate failed on an accepted schema: %v\n%s", err, src)
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "gen.go", out, parser.ParseComments); err != nil {
			t.Fatalf("generated code does not parse: %v\n%s", err, out)
		}
	})
}
