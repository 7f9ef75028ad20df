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

generate (the default) writes the typed session accessors declared in the
schema; check exits 1, showing the difference, when the file on disk is not
what generate would write.

flags:
`

// run runs the command with args (without the program name) and returns
// its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "generate"
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
