package main

import (
	"bufio"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strings"
	"testing"
)

// synopses returns the usage line of every command, in the table's order.
func synopses() []string {
	var s []string
	for _, c := range commands {
		s = append(s, "sessiongen "+c.synopsis)
	}
	return s
}

// isSynopsis returns line, from a code block, without its indentation and
// any # comment, and whether it is then a synopsis: a sessiongen command
// line with an optional part. An example command, such as sessiongen
// dropkey -key legacy_theme, has none.
func isSynopsis(line string) (string, bool) {
	line, _, _ = strings.Cut(strings.TrimSpace(line), " #")
	line = strings.TrimSpace(line)
	return line, strings.HasPrefix(line, "sessiongen ") && strings.Contains(line, "[")
}

// TestCommandTable checks that each synopsis starts with its command's
// name, and that -h prints it, and nothing else fails.
func TestCommandTable(t *testing.T) {
	for _, c := range commands {
		if !strings.HasPrefix(c.synopsis, c.name) && !strings.HasPrefix(c.synopsis, "["+c.name+"]") {
			t.Errorf("%s: synopsis %q does not start with the name", c.name, c.synopsis)
		}
		code, stdout, stderr := runCmd(t, c.name, "-h")
		if code != exitOK || stdout != "" || !strings.Contains(stderr, "\n  sessiongen "+c.synopsis+"\n") {
			t.Errorf("%s -h: exit %d, stdout %q, stderr:\n%s", c.name, code, stdout, stderr)
		}
	}
}

// TestSynopsesInDocs checks doc.go and README.md against the table: the
// Usage block of doc.go lists every synopsis, in order, and every other
// synopsis line of doc.go, and of README.md's code blocks, is one of them.
func TestSynopsesInDocs(t *testing.T) {
	want := synopses()
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	_, after, ok := strings.Cut(doc, "\nUsage:\n\n")
	if !ok {
		t.Fatal("doc.go has no Usage: block")
	}
	var block []string
	for line := range strings.Lines(after) {
		if !strings.HasPrefix(line, "\t") {
			break
		}
		block = append(block, strings.TrimSpace(line))
	}
	if !slices.Equal(block, want) {
		t.Errorf("doc.go's Usage block:\n%s\nwant the table's synopses:\n%s", strings.Join(block, "\n"), strings.Join(want, "\n"))
	}
	for line := range strings.Lines(doc) {
		if s, ok := isSynopsis(line); ok && strings.HasPrefix(line, "\t") && !slices.Contains(want, s) {
			t.Errorf("doc.go shows %q, which is not a synopsis of the command table", s)
		}
	}

	readme, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer readme.Close()
	found, inCode := 0, false
	sc := bufio.NewScanner(readme)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inCode = !inCode
			continue
		}
		if s, ok := isSynopsis(line); ok && inCode {
			found++
			if !slices.Contains(want, s) {
				t.Errorf("README.md:%d shows %q, which is not a synopsis of the command table", n, s)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Error("README.md shows no synopsis in a code block: has the test lost them?")
	}
}
