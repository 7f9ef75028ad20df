package gen

import (
	"bytes"
	"flag"
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/spectest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// generate reads the schema file and generates its code, with package
// session when the schema names none.
func generate(t testing.TB, file string) []byte {
	t.Helper()
	s := spectest.ReadFile(t, file)
	if s.Package == "" {
		s.Package = "session"
	}
	out, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGolden compares the code generated for each testdata/golden/*.yaml
// with its .golden file. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	for _, file := range spectest.Glob(t, "testdata/golden/*.yaml") {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			got := generate(t, file)
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("generated code differs from %s (run go test -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

// TestOutputProperties checks what every generated file promises: the
// header line, gofmt-clean, and the same bytes on every run.
func TestOutputProperties(t *testing.T) {
	for _, file := range spectest.Glob(t, "testdata/golden/*.yaml") {
		out := generate(t, file)
		if !bytes.HasPrefix(out, []byte("// "+Header+"\n")) {
			t.Errorf("%s: output does not start with the generated-code header", file)
		}
		formatted, err := format.Source(out)
		if err != nil {
			t.Errorf("%s: output does not parse: %v", file, err)
		} else if !bytes.Equal(formatted, out) {
			t.Errorf("%s: output is not gofmt-clean", file)
		}
		for range 3 {
			if again := generate(t, file); !bytes.Equal(again, out) {
				t.Fatalf("%s: output differs between runs", file)
			}
		}
	}
}

// TestGenerateNeedsPackage checks that a schema without a package is
// refused rather than generating an invalid file.
func TestGenerateNeedsPackage(t *testing.T) {
	s := spectest.Read(t, "s.yaml", "keys: {a: {type: int}}")
	if _, err := Generate(s); err == nil {
		t.Error("Generate accepted a schema without a package")
	}
}
