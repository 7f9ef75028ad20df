package gen

import (
	"go/ast"
	doccomment "go/doc/comment"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/api"
	"github.com/sessiongen/sessiongen/internal/spectest"
)

// TestDeprecatedParagraph checks, in the code generated for every golden
// schema, that each method of a deprecated key ends its doc comment with a
// paragraph "Deprecated: reason", the shape staticcheck (SA1019), gopls
// and pkg.go.dev recognise, and that no other method has one.
func TestDeprecatedParagraph(t *testing.T) {
	sawDeprecated := false
	for _, file := range spectest.Glob(t, "testdata/golden/*.yaml") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			out := generate(t, file)
			docs := methodDocs(t, out)
			s := spectest.ReadFile(t, file)
			for _, k := range s.Keys {
				for _, m := range api.KeyMethods(k.GoName, k.Flash) {
					text, ok := docs[m.Name]
					if !ok {
						t.Errorf("no method %s", m.Name)
						continue
					}
					got := deprecation(text)
					want := ""
					if k.Deprecated != "" {
						sawDeprecated = true
						want = "Deprecated: " + k.Deprecated
					}
					if got != want {
						t.Errorf("%s: last paragraph's deprecation = %q, want %q\n%s", m.Name, got, want, text)
					}
					if n := strings.Count(text, "Deprecated:"); n > 1 || n == 1 && want == "" {
						t.Errorf("%s: %d Deprecated: paragraphs\n%s", m.Name, n, text)
					}
				}
			}
		})
	}
	if !sawDeprecated {
		t.Error("no golden schema has a deprecated key")
	}
}

// methodDocs returns the doc comment text of each method in src, by name.
func methodDocs(t *testing.T, src []byte) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "gen.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil {
			docs[fn.Name.Name] = fn.Doc.Text()
		}
	}
	return docs
}

// deprecation returns the text of the doc comment's last paragraph, joined
// into one line, when it starts with "Deprecated: ", as Go's convention
// wants; else "".
func deprecation(text string) string {
	var p doccomment.Parser
	d := p.Parse(text)
	if len(d.Content) == 0 {
		return ""
	}
	para, ok := d.Content[len(d.Content)-1].(*doccomment.Paragraph)
	if !ok {
		return ""
	}
	var b strings.Builder
	for _, x := range para.Text {
		if plain, ok := x.(doccomment.Plain); ok {
			b.WriteString(string(plain))
		} else {
			return "" // links and the like are not expected here
		}
	}
	line := strings.Join(strings.Fields(b.String()), " ")
	if !strings.HasPrefix(line, "Deprecated: ") {
		return ""
	}
	return line
}
