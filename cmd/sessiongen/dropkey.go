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

	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// dropKeyUsage is the help text of sessiongen dropkey.
const dropKeyUsage = `usage:
  sessiongen dropkey -key name [-db URL] [-batch N] [-f sessions.yaml] [-force]

dropkey deletes one key from every stored session, live or expired, in
batches of N rows per statement, and prints how many sessions held it. Run
it once a key is gone from sessions.yaml and the deploy that removed it is
out: the runtime never drops keys the schema no longer declares. It refuses
a key that the schema still declares or still reads through renamed_from,
unless -force. The database is -db, or $DATABASE_URL without it.

flags:
`

// runDropKey runs sessiongen dropkey with args and returns its exit status.
func runDropKey(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sessiongen dropkey", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "the stored key `name` to delete")
	dbURL := fs.String("db", "", "the PostgreSQL connection `URL` (default $DATABASE_URL)")
	batch := fs.Int("batch", pgstore.DefaultBatchSize, "look at most `N` sessions per statement")
	schema := fs.String("f", "sessions.yaml", "the schema `file` that must no longer declare the key")
	force := fs.Bool("force", false, "delete the key even if the schema declares it, or without a schema")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), dropKeyUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "sessiongen dropkey: "+format+"\n", args...)
		fs.Usage()
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case *key == "":
		return usageErr("-key is required: the stored key to delete")
	case strings.HasPrefix(*key, "_"):
		return usageErr("key %q belongs to the runtime: keys starting with _ are not the schema's", *key)
	case *batch <= 0:
		return usageErr("-batch must be positive, not %d", *batch)
	}
	if !*force {
		if err := checkUndeclared(*schema, *key); err != nil {
			fmt.Fprintf(stderr, "sessiongen dropkey: %v\n", err)
			return exitFail
		}
	}
	url := *dbURL
	if url == "" {
		url = os.Getenv("DATABASE_URL")
	}
	if url == "" {
		return usageErr("no database: pass -db URL or set DATABASE_URL")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dropKey(ctx, url, *key, *batch, stdout); err != nil {
		fmt.Fprintf(stderr, "sessiongen dropkey: %v\n", err)
		return exitFail
	}
	return exitOK
}

// checkUndeclared returns an error when the schema in file declares key,
// or reads it as a former name of a key, or cannot be read.
func checkUndeclared(file, key string) error {
	s, err := readSchemaFile(file)
	if err != nil {
		return fmt.Errorf("cannot check that the schema no longer uses key %q (pass -f, or -force to skip the check):\n%w", key, err)
	}
	for _, k := range s.Keys {
		if k.Name == key {
			return fmt.Errorf("%s: key %q is still declared; remove it from the schema and deploy first, or pass -force", k.Pos, key)
		}
		for _, f := range k.RenamedFrom {
			if f.Name == key {
				return fmt.Errorf("%s: key %q still reads %q as its former name; remove it from renamed_from and deploy first, or pass -force",
					f.Pos, k.Name, key)
			}
		}
	}
	return nil
}

// dropKey deletes key from every session in the database at url, and says
// how many sessions held it, even when it stopped early.
func dropKey(ctx context.Context, url, key string, batch int, stdout io.Writer) error {
	pool, err := connect(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := pgstore.New(pool).DeleteKey(ctx, key, batch)
	noun := "sessions"
	if n == 1 {
		noun = "session"
	}
	fmt.Fprintf(stdout, "key %q deleted from %d %s\n", key, n, noun)
	return err
}
