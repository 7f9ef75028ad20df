// Sessiongen generates typed HTTP session accessors from a sessions.yaml
// schema.
//
// An application declares each session key and its Go type in
// sessions.yaml; sessiongen writes a Go file with a Session type whose
// methods read and write those keys through the sessiongen runtime, so that
// a misspelt key or a value of the wrong type is a compile error.
//
// Usage:
//
//	sessiongen [generate] [-f sessions.yaml] [-o sessions_gen.go]
//	sessiongen check [-f sessions.yaml] [-o sessions_gen.go]
//	sessiongen version
//	sessiongen migrate [-db URL]
//	sessiongen clearsessions [-db URL] [-batch N]
//	sessiongen breaking -against REF [-f sessions.yaml] [-allow key,...]
//	sessiongen dropkey -key name [-db URL] [-batch N] [-f sessions.yaml] [-force]
//	sessiongen reencrypt [-f sessions.yaml] [-db URL] [-batch N] [-keyring-env NAME]
//
// generate, the default command, reads the schema and writes the generated
// file. It writes nothing when the schema has errors, and leaves an
// unchanged file untouched. check generates the file in memory and compares
// it with the one on disk: it exits 1, showing the difference, when the
// file is missing, stale or edited by hand. Use it in CI.
//
// The flags are:
//
//	-f file
//		the schema; default sessions.yaml in the current folder. Without
//		-f and without one there, check and breaking use the one
//		sessions.yaml in the folders below (not testdata, vendor or another
//		module's), and ask for -f when there are several.
//	-o file
//		the generated file; default sessions_gen.go beside the schema.
//	-version
//		print the version and exit.
//
// The generated file's package is the schema's package field; without one,
// the package of the other Go files in the output folder, or else the
// folder's name.
//
// Schema errors are reported one a line as file:line:col: message, all of
// them in one run. A YAML syntax error is reported at the offending token,
// such as an unclosed quote or bracket, a tab or a misaligned line, and
// the problems of the rest of the file with it.
//
// Exit status: 0 on success, 1 on schema errors, a stale file or an I/O
// error, 2 on wrong usage.
//
// # Database commands
//
// Two commands look after the PostgreSQL session table of
// runtime/pgstore, in the database named by -db or, without it,
// $DATABASE_URL (a postgres:// URL or a keyword/value string; the table is
// found through its search_path):
//
//	sessiongen migrate [-db URL]
//	sessiongen clearsessions [-db URL] [-batch N]
//
// migrate creates or upgrades the session table, as pgstore.Migrate does
// at start-up: it is idempotent and safe to run from several processes at
// once. clearsessions deletes expired sessions (Django's clearsessions) at
// most N per statement (default 1000), each batch in a transaction of its
// own, so a backlog of millions of rows is cleared without long locks while
// the application serves traffic, and prints "N expired sessions deleted".
// Run it from cron, or run package runtime/janitor inside the application
// instead. Interrupting it cancels the batch in flight; earlier batches stay
// deleted, and the count printed says how many. Exit status: 0 on success,
// 1 when the database fails, 2 on wrong usage or when no database is given.
//
// # Changing the schema
//
// Sessions outlive deploys, so a schema change must not lose what is
// stored. A key renamed with renamed_from: [old_name] reads a value still
// stored under its former name and moves it in the session's next save; a
// key marked deprecated: "reason" gets a Deprecated: paragraph on every
// generated method, which staticcheck and editors flag.
//
// breaking compares the schema (-f) with an earlier one, -against a file or
// git:REV (the schema file at git revision REV, such as git:origin/main),
// and prints, as file:line:col: breaking: message, every change that would
// lose or hide stored values: a key removed or renamed without
// renamed_from, a type whose stored JSON no longer decodes (int64 to
// string, []T to T, a named type moved; widenings such as int32 to int64
// pass), flash or encrypted switched on or off, a former name dropped.
// Warnings, such as a changed default, a ttl added or shortened, or
// on_sign_in changed, are printed too. It exits 1 when a breaking change is
// not acknowledged with -allow key,... naming the keys it is about.
//
// dropkey deletes a removed key from every stored session in batches of
// -batch rows per statement (default 1000) and prints how many sessions
// held it. It refuses a key that the schema (-f) still declares or reads as
// a former name, unless -force. The database is -db or $DATABASE_URL.
//
// # Encrypted keys
//
// A key marked encrypted: true is stored sealed with AES-256-GCM under the
// key ring given to the manager (runtime.WithKeyRing; see package
// runtime/keyring). reencrypt seals anew, under the ring's first key, every
// stored value of the schema's (-f) encrypted keys that is sealed under an
// older key of the ring or stored in plaintext: the last step of a key
// rotation, and the step that follows the deploy of a key made encrypted.
// It reads the ring from the environment variable named by -keyring-env
// (default SESSION_KEYS: the keys in base64, newest first, separated by
// commas), pages through the sessions -batch at a time, and writes a
// session only if the values it reseals are still as it read them, so a
// concurrent request's change is never lost. It prints how many values it
// resealed, and how many no key of the ring opens, which it leaves alone.
//
// Typical use is a go:generate line beside sessions.yaml:
//
//	//go:generate go run github.com/sessiongen/sessiongen/cmd/sessiongen
//
// or, with a tool line in the application's go.mod (go get -tool
// github.com/sessiongen/sessiongen/cmd/sessiongen):
//
//	//go:generate go tool sessiongen
//
// The schema looks like this:
//
//	package: session
//	keys:
//	  user_id:
//	    type: int64
//	    doc: ID of the signed-in user.
//	  cart_items:
//	    type: "[]int64"
//	  theme:
//	    type: string
//	    default: light
//	  prefs:
//	    type: example.com/shop/model.Prefs
//	  notice:
//	    type: string
//	    flash: true
//	  api_token:
//	    type: string
//	    sensitive: true
//	  partner_secret:
//	    type: string
//	    encrypted: true
//	  one_time_code:
//	    type: string
//	    ttl: 10m
//	  wizard_step:
//	    type: int
//	    on_sign_in: drop
//
// sensitive only redacts a value in the admin page; encrypted stores it
// sealed, so that the database and its backups hold only ciphertext. ttl
// ends a value that long after it is set; on_sign_in: drop makes SignIn
// and CycleKey remove it.
//
// Each key gets X, LookupX, SetX, UpdateX and DeleteX methods (a flash key
// gets PopX, SetX, UpdateX and DeleteX), and the Session type embeds the
// runtime session, so it has its lifecycle methods: Flush, CycleKey, SignIn,
// SetExpiry and the rest, documented on runtime.Session.
// UpdateX(fn) is a read-modify-write whose save is a compare-and-set of the
// key, so concurrent requests cannot undo each other's update.
package main
