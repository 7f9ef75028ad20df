package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/gen"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// block is a fenced code block of the README.
type block struct {
	lang string
	line int // of the opening fence
	body string
}

func readmeBlocks(t *testing.T) []block {
	t.Helper()
	src, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var (
		blocks []block
		cur    *block
		buf    strings.Builder
	)
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimPrefix(line, "```"), line: n}
			buf.Reset()
		case cur != nil && line == "```":
			cur.body = buf.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			buf.WriteString(line + "\n")
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: code block never closed", cur.line)
	}
	return blocks
}

// TestReadmeGoBlocksAreBuiltCode checks that every Go block of the README
// is an excerpt of code the module compiles and tests, so no snippet can
// rot: each run of lines between "// ..." gaps must appear, in order and
// line for line (indentation aside), in one non-generated .go file.
func TestReadmeGoBlocksAreBuiltCode(t *testing.T) {
	sources := goSources(t)
	n := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "go" {
			continue
		}
		n++
		if !foundIn(sources, chunks(b.body)) {
			t.Errorf("README.md:%d: this Go block is not an excerpt of any .go file in the module:\n%s", b.line, b.body)
		}
	}
	if n == 0 {
		t.Fatal("README.md has no Go blocks: the test reads the wrong file?")
	}
}

// TestReadmeSchemasGenerate checks that every YAML block of the README is a
// schema sessiongen accepts and generates code from.
func TestReadmeSchemasGenerate(t *testing.T) {
	n := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "yaml" {
			continue
		}
		n++
		// Padding puts each line where it stands in the README, so errors
		// point at README.md:line:col.
		s, err := spec.Read("README.md", []byte(strings.Repeat("\n", b.line)+b.body))
		if err != nil {
			t.Errorf("README.md:%d: schema rejected:\n%v", b.line, err)
			continue
		}
		if s.Package == "" {
			s.Package = "session" // what the command takes from the output folder
		}
		if _, err := gen.Generate(s); err != nil {
			t.Errorf("README.md:%d: generate: %v", b.line, err)
		}
	}
	if n == 0 {
		t.Fatal("README.md has no YAML blocks")
	}
}

// chunks splits a block into runs of trimmed, non-empty lines at "// ..."
// lines.
func chunks(body string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "// ...":
			out, cur = append(out, cur), nil
		case l != "":
			cur = append(cur, l)
		}
	}
	return append(out, cur)
}

// goSources returns the trimmed, non-empty lines of every hand-written .go
// file in the module.
func goSources(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "bench") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(src, []byte("DO NOT EDIT.")) {
			return nil
		}
		for _, l := range strings.Split(string(src), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out[path] = append(out[path], l)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// foundIn reports whether some file holds every chunk, in order.
func foundIn(sources map[string][]string, cs [][]string) bool {
	for _, lines := range sources {
		at, ok := 0, true
		for _, c := range cs {
			i := indexRun(lines[at:], c)
			if i < 0 {
				ok = false
				break
			}
			at += i + len(c)
		}
		if ok {
			return true
		}
	}
	return false
}

// indexRun returns where run starts in lines, or -1.
func indexRun(lines, run []string) int {
	for i := 0; i+len(run) <= len(lines); i++ {
		match := true
		for j := range run {
			if lines[i+j] != run[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

// testRef matches the tests SECURITY.md names as proof: `TestX`, `FuzzX`,
// `ExampleX`, or `storetest/Name` for a check of the conformance suite.
var testRef = regexp.MustCompile("`((?:Test|Fuzz|Example)\\w+|storetest/\\w+)`")

// TestSecurityNamesExistingTests checks that every test SECURITY.md names
// as the proof of a guarantee exists, so a renamed or deleted test cannot
// leave a claim without its proof.
func TestSecurityNamesExistingTests(t *testing.T) {
	src, err := os.ReadFile("../SECURITY.md")
	if err != nil {
		t.Fatal(err)
	}
	var code strings.Builder
	for _, lines := range goSources(t) {
		code.WriteString(strings.Join(lines, "\n"))
	}
	all := code.String()
	refs := testRef.FindAllStringSubmatch(string(src), -1)
	if len(refs) < 20 {
		t.Fatalf("SECURITY.md names %d tests: the pattern reads the wrong file?", len(refs))
	}
	for _, m := range refs {
		name, decl := m[1], "func "+m[1]+"("
		if check, ok := strings.CutPrefix(name, "storetest/"); ok {
			decl = `{"` + check + `"`
		}
		if !strings.Contains(all, decl) {
			t.Errorf("SECURITY.md names %s, which no test declares", name)
		}
	}
}

// schemaURL is where editors find the JSON Schema of sessions.yaml: its raw
// copy on the main branch.
const schemaURL = "https://raw.githubusercontent.com/sessiongen/sessiongen/main/schema/sessions.schema.json"

// TestReadmeSchemaLinesPointAtTheStableURL checks that every $schema=
// comment of the README's code blocks points at schemaURL, whose file
// exists.
func TestReadmeSchemaLinesPointAtTheStableURL(t *testing.T) {
	if _, err := os.Stat("../" + strings.TrimPrefix(schemaURL, "https://raw.githubusercontent.com/sessiongen/sessiongen/main/")); err != nil {
		t.Fatalf("the schema the URL names: %v", err)
	}
	n := 0
	for _, b := range readmeBlocks(t) {
		for i, line := range strings.Split(b.body, "\n") {
			_, url, ok := strings.Cut(line, "$schema=")
			if !ok {
				continue
			}
			n++
			if url = strings.TrimSpace(url); url != schemaURL {
				t.Errorf("README.md:%d: $schema=%s, want %s", b.line+1+i, url, schemaURL)
			}
		}
	}
	if n == 0 {
		t.Error("the README shows no $schema= line")
	}
}
