package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sessiongen/sessiongen/internal/breaking"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// breakingUsage is the help text of sessiongen breaking.
const breakingUsage = `usage:
  sessiongen breaking -against REF [-f sessions.yaml] [-allow key,...]

breaking compares the schema with an earlier one and reports, with their
file:line:col, the changes that would lose or hide values stored in
sessions: a key removed or renamed without renamed_from, a type whose stored
JSON no longer decodes, flash switched on or off. It exits 1 when there is
one that -allow does not acknowledge. Warnings (a default changed, a lossy
widening) are printed and do not fail.

REF is a file, or git:REV for the schema file as it is at the git revision
REV, such as git:origin/main or git:v1.4.0.

flags:
`

// errNoEarlier is returned by readEarlier when the revision has no schema
// at the schema's path: the schema is new, and nothing can break.
var errNoEarlier = errors.New("no schema at that revision")

// allowList is the -allow flag: key names, comma-separated, the flag given
// once or more.
type allowList []string

// String returns the names, comma-separated.
func (a *allowList) String() string { return strings.Join(*a, ",") }

// Set adds the comma-separated names of s.
func (a *allowList) Set(s string) error {
	for name := range strings.SplitSeq(s, ",") {
		if name = strings.TrimSpace(name); name != "" {
			*a = append(*a, name)
		}
	}
	return nil
}

// runBreaking runs sessiongen breaking with args and returns its exit
// status.
func runBreaking(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sessiongen breaking", flag.ContinueOnError)
	fs.SetOutput(stderr)
	schema := fs.String("f", "sessions.yaml", "the current schema `file`")
	against := fs.String("against", "", "the earlier schema: a file, or git:REV for the schema file at revision REV")
	var allow allowList
	fs.Var(&allow, "allow", "acknowledge the breaking changes of these `keys`, comma-separated: they are printed but do not fail")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), breakingUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sessiongen breaking: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	if *against == "" {
		fmt.Fprintln(stderr, "sessiongen breaking: -against is required: the earlier schema, a file or git:REV")
		fs.Usage()
		return exitUsage
	}

	cur, err := readSchemaFile(*schema)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	old, err := readEarlier(*against, *schema)
	if errors.Is(err, errNoEarlier) {
		fmt.Fprintf(stderr, "sessiongen breaking: %v; nothing to compare\n", err)
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	return reportChanges(breaking.Compare(old, cur), allow, *against, stdout, stderr)
}

// reportChanges prints changes, one a line, and returns exitFail when one
// is breaking and not in allow.
func reportChanges(changes []breaking.Change, allow []string, against string, stdout, stderr io.Writer) int {
	used := map[string]bool{}
	var unallowed []string
	for _, c := range changes {
		if c.Severity != breaking.Breaking {
			fmt.Fprintln(stdout, c)
			continue
		}
		if slices.Contains(allow, c.Key) {
			used[c.Key] = true
			fmt.Fprintf(stdout, "%s: breaking (allowed): %s\n", c.Pos, c.Msg)
			continue
		}
		fmt.Fprintln(stdout, c)
		if !slices.Contains(unallowed, c.Key) {
			unallowed = append(unallowed, c.Key)
		}
	}
	for _, name := range allow {
		if !used[name] {
			fmt.Fprintf(stderr, "sessiongen breaking: -allow %s: no breaking change of that key against %s\n", name, against)
		}
	}
	if len(unallowed) == 0 {
		return exitOK
	}
	fmt.Fprintf(stderr, "sessiongen breaking: breaking changes against %s; if they are intended, acknowledge them with -allow %s\n",
		against, strings.Join(unallowed, ","))
	return exitFail
}

// readSchemaFile reads and validates the schema in file.
func readSchemaFile(file string) (*spec.Schema, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("sessiongen: %w", err)
	}
	return spec.Read(file, src)
}

// readEarlier reads the earlier schema that ref names: a file, or, as
// git:REV, the file schema as it is at revision REV of its repository. It
// returns an error wrapping errNoEarlier when REV has no such file.
func readEarlier(ref, schema string) (*spec.Schema, error) {
	rev, ok := strings.CutPrefix(ref, "git:")
	if !ok {
		return readSchemaFile(ref)
	}
	if rev == "" {
		return nil, errors.New("sessiongen: -against git: needs a revision, such as git:origin/main")
	}
	dir := filepath.Dir(schema)
	prefix, err := git(dir, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("sessiongen: find %s in its git repository: %w", schema, err)
	}
	if _, err := git(dir, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}"); err != nil {
		return nil, fmt.Errorf("sessiongen: unknown git revision %q", rev)
	}
	object := rev + ":" + strings.TrimSpace(string(prefix)) + filepath.Base(schema)
	if _, err := git(dir, "cat-file", "-e", "--end-of-options", object); err != nil {
		return nil, fmt.Errorf("%w: %s", errNoEarlier, object)
	}
	src, err := git(dir, "show", "--end-of-options", object)
	if err != nil {
		return nil, fmt.Errorf("sessiongen: read %s: %w", object, err)
	}
	return spec.Read(object, src)
}

// git runs git with args in dir and returns its standard output; its error
// carries what git wrote to standard error.
func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("git %s: %w: %s", args[0], err, msg)
		}
		return nil, fmt.Errorf("git %s: %w", args[0], err)
	}
	return out, nil
}
