package main

import (
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

// commands are sessiongen's commands, in the order the usage text lists
// them. The first is the default. Their synopses are written here only:
// the usage texts are made from them, and tests check doc.go and
// README.md against them.
var commands = []*command{
	{
		name:     "generate",
		synopsis: "[generate] [-f sessions.yaml] [-o sessions_gen.go]",
		summary:  "write the typed accessors the schema declares (the default)",
		flags:    generatedFlags,
		run:      runGenerate,
	},
	{
		name:     "check",
		synopsis: "check [-f sessions.yaml] [-o sessions_gen.go]",
		summary:  "exit 1, with the difference, when the generated file is stale",
		flags:    generatedFlags,
		run:      runCheck,
	},
	{
		name:     "version",
		synopsis: "version",
		summary:  "print the version",
		flags:    generatedFlags,
		run:      runVersion,
	},
	{
		name:     "migrate",
		synopsis: "migrate [-db URL]",
		summary:  "create or upgrade the session table",
		help:     dbHelp,
		flags:    migrateFlags,
		run:      runMigrate,
	},
	{
		name:     "clearsessions",
		synopsis: "clearsessions [-db URL] [-batch N]",
		summary:  "delete expired sessions",
		help:     dbHelp,
		flags:    clearSessionsFlags,
		run:      runClearSessions,
	},
	{
		name:     "breaking",
		synopsis: "breaking -against REF [-f sessions.yaml] [-allow key,...]",
		summary:  "report the schema changes that would lose or hide stored values",
		help:     breakingHelp,
		flags:    breakingFlags,
		run:      runBreaking,
	},
	{
		name:     "dropkey",
		synopsis: "dropkey -key name [-db URL] [-batch N] [-f sessions.yaml] [-force]",
		summary:  "delete a removed key from every stored session",
		help:     dropKeyHelp,
		flags:    dropKeyFlags,
		run:      runDropKey,
	},
	{
		name:     "reencrypt",
		synopsis: "reencrypt [-f sessions.yaml] [-db URL] [-batch N] [-keyring-env NAME]",
		summary:  "seal the stored values of encrypted keys anew under the key ring's first key",
		help:     reencryptHelp,
		flags:    reencryptFlags,
		run:      runReencrypt,
	},
}

// run runs the command with args (without the program name) and returns
// its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if args[0] == "help" {
			return commands[0].printHelp(stdout)
		}
		if c := lookup(args[0]); c != nil {
			return c.main(args[1:], stdout, stderr)
		}
	}
	return commands[0].main(args, stdout, stderr)
}

// lookup returns the command called name, or nil.
func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}
