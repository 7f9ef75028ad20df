// Package pgtest gives every integration test of this module a PostgreSQL
// database of its own, and is the only place that finds or starts one.
//
// A test package calls Main from its TestMain, and each test asks for a
// pool (or a connection string) on a fresh, empty schema:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		pool := pgtest.Pool(t) // search_path is a new schema, dropped after the test
//		...
//	}
//
// The first test to ask creates one database for the whole test binary,
// named sessiongen_test_<package>_<random>; Main drops it when the tests
// are done, and stops the server if pgtest started one. Tests on separate
// schemas do not see each other's tables, so they may run in parallel.
//
// The server is found in this order:
//
//  1. $DATABASE_URL, when set (a URL or keyword/value connection string;
//     its role must be able to create databases);
//  2. 127.0.0.1:5432, database postgres, as $PGUSER, postgres or the
//     current user (a password, if needed, comes from $PGPASSWORD or
//     ~/.pgpass);
//  3. a throwaway cluster, started with initdb and pg_ctl (from $PATH or
//     /usr/lib/postgresql/*/bin and similar) in a temporary directory on a
//     free port, and removed by Main. When the tests run as root it is run
//     as the postgres user, through runuser. Setting
//     SESSIONGEN_PGTEST_THROWAWAY=1 skips the first two steps.
//
// When none works the test fails, saying how to provide a server. Tests
// that need PostgreSQL are never skipped.
//
// A test binary that is killed before Main returns leaves its database
// behind; such databases are named sessiongen_test_* and may be dropped at
// any time no tests are running.
package pgtest
