package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// dropKeyHelp is the help text of sessiongen dropkey.
const dropKeyHelp = `dropkey deletes one key from every stored session, live or expired, in
batches of N rows per statement, and prints how many sessions held it. Run
it once a key is gone from sessions.yaml and the deploy that removed it is
out: the runtime never drops keys the schema no longer declares. It refuses
a key that the schema still declares or still reads through renamed_from,
unless -force. The database is -db, or $DATABASE_URL without it.
`

// dropKeyFlags registers the flags of sessiongen dropkey.
func dropKeyFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.key, "key", "", "the stored key `name` to delete")
	o.dbFlag(fs)
	o.batchFlag(fs, "look at most `N` sessions per statement")
	o.schemaFlag(fs, "the schema `file` that must no longer declare the key")
	fs.BoolVar(&o.force, "force", false, "delete the key even if the schema declares it, or without a schema")
}

// runDropKey runs sessiongen dropkey: it deletes -key from every session
// in the database, and says how many sessions held it, even when it
// stopped early.
func runDropKey(cx *invocation) int {
	key, batch := cx.opts.key, cx.opts.batch
	switch {
	case key == "":
		return cx.usageErr("-key is required: the stored key to delete")
	case runtime.IsReservedKey(key):
		return cx.usageErr("key %q belongs to the runtime: keys starting with _ are not the schema's", key)
	case batch <= 0:
		return cx.usageErr("-batch must be positive, not %d", batch)
	}
	if !cx.opts.force {
		if err := checkUndeclared(cx.opts.schema, key); err != nil {
			return cx.failf("%v", err)
		}
	}
	return cx.withDatabase(cx.usageErr, func(ctx context.Context, pool *pgxpool.Pool) error {
		n, err := pgstore.New(pool).DeleteKey(ctx, key, batch)
		fmt.Fprintf(cx.stdout, "key %q deleted from %s\n", key, count(n, "session"))
		return err
	})
}

// checkUndeclared returns an error when the schema in file declares key,
// or reads it as a former name of a key, or cannot be read.
func checkUndeclared(file, key string) error {
	s, err := readSchema(file)
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
