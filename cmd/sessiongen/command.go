package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/spec"
	"github.com/sessiongen/sessiongen/runtime"
)

// A command is one of sessiongen's commands: sessiongen NAME [flags].
type command struct {
	name     string // what selects it
	synopsis string // its usage line, after "sessiongen "
	summary  string // what it does, in a line of the usage text

	// help is what -h prints between the synopses and the flags: the
	// synopses are those of every command with the same help. It is
	// empty for the commands of the generated file, which share their
	// flags and the usage text of sessiongen itself, and whose messages
	// start "sessiongen:" rather than "sessiongen NAME:".
	help string

	flags func(fs *flag.FlagSet, o *options) // registers the flags it takes in o
	run   func(cx *invocation) int           // runs it once its flags are parsed
}

// options are the flags of every command; each command registers those
// it takes.
type options struct {
	schema  string    // -f: the schema file
	output  string    // -o: the generated file
	version bool      // -version
	db      string    // -db: the database URL
	batch   int       // -batch: rows per statement
	key     string    // -key: the stored key to delete
	force   bool      // -force
	against string    // -against: the earlier schema
	allow   allowList // -allow: the keys whose breaking changes are acknowledged

	keyRingEnv string // -keyring-env: the environment variable of the key ring
}

// schemaFlag registers -f, the schema file.
func (o *options) schemaFlag(fs *flag.FlagSet, usage string) {
	fs.StringVar(&o.schema, "f", defaultSchema, usage)
}

// dbFlag registers -db, the database.
func (o *options) dbFlag(fs *flag.FlagSet) {
	fs.StringVar(&o.db, "db", "", "the PostgreSQL connection `URL` (default $DATABASE_URL)")
}

// batchFlag registers -batch, the rows per statement.
func (o *options) batchFlag(fs *flag.FlagSet, usage string) {
	fs.IntVar(&o.batch, "batch", runtime.DefaultBatchSize, usage)
}

// An invocation is one run of a command.
type invocation struct {
	cmd            *command
	opts           options
	fs             *flag.FlagSet // the command's, parsed
	stdout, stderr io.Writer
}

// main parses args, the command's flags and nothing else, and runs it. It
// returns the exit status.
func (c *command) main(args []string, stdout, stderr io.Writer) int {
	cx := &invocation{cmd: c, stdout: stdout, stderr: stderr}
	cx.fs = c.flagSet(&cx.opts, stderr)
	if err := cx.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage // the flag package has said why, and shown the usage
	}
	if cx.fs.NArg() > 0 {
		return cx.usageErr("unexpected argument %q", cx.fs.Arg(0))
	}
	return c.run(cx)
}

// printHelp writes the command's usage text and flags to w, and returns
// exitOK.
func (c *command) printHelp(w io.Writer) int {
	var o options
	c.flagSet(&o, w).Usage()
	return exitOK
}

// flagSet returns the command's flag set, writing to w, with its flags
// registered in o.
func (c *command) flagSet(o *options, w io.Writer) *flag.FlagSet {
	name := "sessiongen"
	if c.help != "" {
		name += " " + c.name
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	c.flags(fs, o)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), c.usage())
		fs.PrintDefaults()
	}
	return fs
}

// usage returns the command's usage text, up to its flags.
func (c *command) usage() string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, d := range commands {
		if c.help == "" || d.help == c.help {
			fmt.Fprintf(&b, "  sessiongen %s\n", d.synopsis)
		}
	}
	b.WriteString("\n")
	if c.help != "" {
		b.WriteString(c.help + "\nflags:\n")
		return b.String()
	}
	// The usage of sessiongen itself: what each command does, and the
	// flags of those that share it.
	b.WriteString("commands:\n")
	width := 0
	for _, d := range commands {
		width = max(width, len(d.name))
	}
	var shared []string
	for _, d := range commands {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, d.name, d.summary)
		if d.help == "" {
			shared = append(shared, d.name)
		}
	}
	last := len(shared) - 1
	fmt.Fprintf(&b, "\nflags of %s and %s (the others': sessiongen COMMAND -h):\n",
		strings.Join(shared[:last], ", "), shared[last])
	return b.String()
}

// printf writes a message to standard error, after the command's name.
func (cx *invocation) printf(format string, args ...any) {
	fmt.Fprintf(cx.stderr, "%s: %s\n", cx.fs.Name(), fmt.Sprintf(format, args...))
}

// usageErr writes a message and the usage text to standard error and
// returns exitUsage.
func (cx *invocation) usageErr(format string, args ...any) int {
	cx.printf(format, args...)
	cx.fs.Usage()
	return exitUsage
}

// misuse writes a message, without the usage text, to standard error and
// returns exitUsage.
func (cx *invocation) misuse(format string, args ...any) int {
	cx.printf(format, args...)
	return exitUsage
}

// failf writes a message to standard error and returns exitFail.
func (cx *invocation) failf(format string, args ...any) int {
	cx.printf(format, args...)
	return exitFail
}

// fail writes err, which says where it comes from (sessiongen: ..., or
// file:line:col: ... a line), to standard error and returns exitFail.
func (cx *invocation) fail(err error) int {
	fmt.Fprintln(cx.stderr, err)
	return exitFail
}

// readSchema reads and validates the schema in file. Every command that
// reads a schema file does so through it, so that all report alike: an
// I/O error as sessiongen: ..., and schema errors one a line as
// file:line:col: message.
func readSchema(file string) (*spec.Schema, error) {
	s, problems, err := readSchemaAll(file)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return s, nil
}

// readSchemaAll is readSchema for generate and check, which report the
// problems of the named types with those of the rest of the schema: it
// returns the schema as far as it read (spec.ReadAll) with its problems.
// The error is for a file that could not be read.
func readSchemaAll(file string) (*spec.Schema, spec.ErrorList, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("sessiongen: %w", err)
	}
	s, problems := spec.ReadAll(file, src)
	return s, problems, nil
}

// withDatabase runs f on a pool on the database of -db, or of
// $DATABASE_URL without it, and returns the exit status; without either,
// it reports that with noDB. An interrupt or SIGTERM cancels f's context,
// and so the statement in flight; what f did before stays done.
func (cx *invocation) withDatabase(noDB func(format string, args ...any) int, f func(context.Context, *pgxpool.Pool) error) int {
	url := cx.opts.db
	if url == "" {
		url = os.Getenv("DATABASE_URL")
	}
	if url == "" {
		return noDB("no database: pass -db URL or set DATABASE_URL")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pool, err := connect(ctx, url)
	if err == nil {
		defer pool.Close()
		err = f(ctx, pool)
	}
	if err != nil {
		return cx.failf("%v", err)
	}
	return exitOK
}
