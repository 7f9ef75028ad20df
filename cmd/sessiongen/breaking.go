package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sessiongen/sessiongen/internal/breaking"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// breakingHelp is the help text of sessiongen breaking.
const breakingHelp = `breaking compares the schema with an earlier one and reports, with their
file:line:col, the changes that would lose or hide values stored in
sessions: a key removed or renamed without renamed_from, a type whose stored
JSON no longer decodes, flash or encrypted switched on or off. It exits 1
when there is one that -allow does not acknowledge. Warnings (a default
changed, a lossy widening, a ttl added or shortened, on_sign_in changed) are
printed and do not fail. A change of the user id's type (the
schema's user: block) that stored ids may not survive is acknowledged as
-allow _user.

REF is a file, or git:REV for the schema file as it is at the git revision
REV, such as git:origin/main or git:v1.4.0.
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

// breakingFlags registers the flags of sessiongen breaking.
func breakingFlags(fs *flag.FlagSet, o *options) {
	o.schemaFlag(fs, "the current schema `file`")
	fs.StringVar(&o.against, "against", "", "the earlier schema: a file, or git:REV for the schema file at revision REV")
	fs.Var(&o.allow, "allow", "acknowledge the breaking changes of these `keys`, comma-separated: they are printed but do not fail")
}

// runBreaking runs sessiongen breaking: it compares the schema, found as
// findSchema says, with the one -against names.
func runBreaking(cx *invocation) int {
	against := cx.opts.against
	if against == "" {
		return cx.usageErr("-against is required: the earlier schema, a file or git:REV")
	}
	schema, err := cx.findSchema()
	if err != nil {
		return cx.fail(err)
	}
	cur, err := readSchema(schema)
	if err != nil {
		return cx.fail(err)
	}
	old, err := readEarlier(against, schema)
	if errors.Is(err, errNoEarlier) {
		cx.printf("%v; nothing to compare", err)
		return exitOK
	}
	if err != nil {
		return cx.fail(err)
	}
	return cx.reportChanges(breaking.Compare(old, cur))
}

// reportChanges prints changes, one a line, and returns exitFail when one
// is breaking and not acknowledged by -allow.
func (cx *invocation) reportChanges(changes []breaking.Change) int {
	allow, against := cx.opts.allow, cx.opts.against
	used := map[string]bool{}
	var unallowed []string
	for _, c := range changes {
		if c.Severity != breaking.Breaking {
			fmt.Fprintln(cx.stdout, c)
			continue
		}
		if slices.Contains(allow, c.Key) {
			used[c.Key] = true
			fmt.Fprintf(cx.stdout, "%s: breaking (allowed): %s\n", c.Pos, c.Msg)
			continue
		}
		fmt.Fprintln(cx.stdout, c)
		if !slices.Contains(unallowed, c.Key) {
			unallowed = append(unallowed, c.Key)
		}
	}
	for _, name := range allow {
		if !used[name] {
			cx.printf("-allow %s: no breaking change of that key against %s", name, against)
		}
	}
	if len(unallowed) == 0 {
		return exitOK
	}
	cx.printf("breaking changes against %s; if they are intended, acknowledge them with -allow %s",
		against, strings.Join(unallowed, ","))
	return exitFail
}

// readEarlier reads the earlier schema that ref names: a file, or, as
// git:REV, the file schema as it is at revision REV of its repository. It
// returns an error wrapping errNoEarlier when REV has no such file.
func readEarlier(ref, schema string) (*spec.Schema, error) {
	rev, ok := strings.CutPrefix(ref, "git:")
	if !ok {
		return readSchema(ref)
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
