// Package schema holds sessiongen's PostgreSQL DDL as numbered SQL files.
//
// File NNN_name.sql is migration version NNN; the files apply in order.
// 000_migrations.sql is idempotent bookkeeping that pgstore.Migrate runs
// every time; every later file runs once. Names are unqualified, so the
// tables live in the connection's search_path.
//
// pgstore.Migrate applies these files itself. Applications that manage
// their schema with goose, atlas, tern or similar can copy the files (or
// read them from FS) and apply them with that tool instead.
package schema

import "embed"

// FS holds the schema files, named NNN_name.sql, at its root.
//
//go:embed *.sql
var FS embed.FS
