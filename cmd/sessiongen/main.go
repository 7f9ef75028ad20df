package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // schema errors, a stale file, an I/O error
	exitUsage = 2
)

// usage is the help text.
const usage = `usage:
  sessiongen [generate] [-f sessions.yaml] [-o sessions_gen.go]
  sessiongen check [-f sessions.yaml] [-o sessions_gen.go]
  sessiongen version
  sessiongen migrate [-db URL]
  sessiongen clearsessions [-db URL] [-batch N]
  sessiongen breaking -against REF [-f sessions.yaml] [-allow key,...]
  sessiongen dropkey -key name [-db URL] [-batch N] [-f sessions.yaml] [-force]

generate (the default) writes the typed session accessors declared in the
schema; check exits 1, showing the difference, when the file on disk is not
what generate would write. migrate creates or upgrades the session table;
clearsessions deletes expired sessions (their flags: sessiongen migrate -h).
breaking reports schema changes that lose stored values; dropkey deletes a
removed key from every stored session (sessiongen breaking -h, dropkey -h).

flags:
`

// run runs the command with args (without the program name) and returns
// its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "generate"
	if len(args) > 0 && isDBCommand(args[0]) {
		return runDB(args[0], args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "breaking" {
		return runBreaking(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "dropkey" {
		return runDropKey(args[1:], stdout, stderr)
	}
	if len(args) > 0 {
		switch args[0] {
		case "generate", "check", "version", "help":
			cmd, args = args[0], args[1:]
		}
	}
	fs := flag.NewFlagSet("sessiongen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	schema := fs.String("f", "sessions.yaml", "the schema `file`")
	output := fs.String("o", "", "the generated `file` (default sessions_gen.go beside the schema)")
	version := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if cmd == "help" {
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sessiongen: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	if *version || cmd == "version" {
		fmt.Fprintf(stdout, "sessiongen %s\n", moduleVersion())
		return exitOK
	}
	out := *output
	if out == "" {
		out = defaultOutput(*schema)
	}
	var err error
	if cmd == "check" {
		err = check(*schema, out)
	} else {
		err = generate(*schema, out)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	return exitOK
}
