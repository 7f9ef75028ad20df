package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/keyring"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// defaultKeyRingEnv is the environment variable that reencrypt reads the
// key ring from unless -keyring-env names another.
const defaultKeyRingEnv = "SESSION_KEYS"

// reencryptHelp is the help text of sessiongen reencrypt.
const reencryptHelp = `reencrypt seals anew, under the first key of the key ring, every stored
value of the keys that the schema marks encrypted that is sealed under
another key of the ring, or stored in plaintext (written before the key was
encrypted). Run it with the ring the application has, once every instance
has it: after putting a new key first, before removing the old one, and
right after deploying a key that became encrypted. It pages through the
sessions N at a time, and writes each session whose values it reseals only
if those values are still as it read them, so a request that changes one
meanwhile keeps its change; a session's expiry is kept. It prints how many
values it resealed, and how many no key of the ring opens (left as they
are). The ring is read from the environment variable -keyring-env, as the
keys in base64, newest first, separated by commas; the database is -db, or
$DATABASE_URL without it.
`

// reencryptFlags registers the flags of sessiongen reencrypt.
func reencryptFlags(fs *flag.FlagSet, o *options) {
	o.schemaFlag(fs, "the schema `file` whose encrypted keys to reseal")
	o.dbFlag(fs)
	o.batchFlag(fs, "read at most `N` sessions per page")
	fs.StringVar(&o.keyRingEnv, "keyring-env", defaultKeyRingEnv, "the environment variable `NAME` that holds the key ring")
}

// runReencrypt runs sessiongen reencrypt: it reseals the values of the
// schema's encrypted keys under the first key of the ring, and says how
// many, even when it stopped early.
func runReencrypt(cx *invocation) int {
	if cx.opts.batch <= 0 {
		return cx.usageErr("-batch must be positive, not %d", cx.opts.batch)
	}
	text := os.Getenv(cx.opts.keyRingEnv)
	if text == "" {
		return cx.usageErr("no key ring: $%s is empty; set it to the application's keys, newest first, or name the variable with -keyring-env", cx.opts.keyRingEnv)
	}
	ring, err := keyring.Parse(text)
	if err != nil {
		return cx.failf("$%s: %v", cx.opts.keyRingEnv, err)
	}
	s, err := readSchema(cx.opts.schema)
	if err != nil {
		return cx.fail(err)
	}
	var keys []string
	for _, k := range s.Keys {
		if k.Encrypted {
			keys = append(keys, k.Name)
		}
	}
	if len(keys) == 0 {
		return cx.failf("%s marks no key encrypted: nothing to reseal", cx.opts.schema)
	}
	return cx.withDatabase(cx.usageErr, func(ctx context.Context, pool *pgxpool.Pool) error {
		res, err := runtime.Reencrypt(ctx, pgstore.New(pool), ring, keys, cx.opts.batch)
		fmt.Fprintf(cx.stdout, "%s sealed anew under the first key of the ring, in %s\n",
			count(res.Values, "value"), count(res.Sessions, "session"))
		if res.Unopened > 0 {
			fmt.Fprintf(cx.stdout, "%s no key of the ring opens, left as stored (read as unset)\n",
				count(res.Unopened, "value"))
		}
		return err
	})
}
