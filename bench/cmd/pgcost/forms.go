package main

import (
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/bench/impl"
)

// baseCommit is the commit whose schema/001_sessions.sql and
// queries/sessions.sql the forms marked "at HEAD" copy. The copies stay as
// they were, so that a later run still measures the same statements.
const baseCommit = "5f64fb9"

// tableName is the name every statement and DDL below is written with;
// each form's copy replaces it with a table of the form's own.
const tableName = "sessiongen_sessions"

// headTable is schema/001_sessions.sql at baseCommit: data is jsonb, with
// two CHECK constraints.
const headTable = `CREATE TABLE sessiongen_sessions (
    token_hash bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    data       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    user_id    text,
    user_agent text        NOT NULL DEFAULT ''
)`

// sessionIndexes are 001's indexes, on every table but the blob's.
const sessionIndexes = `
CREATE INDEX sessiongen_sessions_expires_at_idx ON sessiongen_sessions (expires_at);
CREATE INDEX sessiongen_sessions_user_id_idx ON sessiongen_sessions (user_id) WHERE user_id IS NOT NULL`

// A table is the DDL of a form's table and the type of its data column.
type table struct {
	ddl   string
	bytea bool // data is bytea, else jsonb
}

var (
	// tableHead is 001 as it is.
	tableHead = table{ddl: headTable + ";" + sessionIndexes}
	// tableJSONBVersion is 001 with a version column.
	tableJSONBVersion = table{ddl: withVersion(headTable) + ";" + sessionIndexes}
	// tableJSONBVersionNoChecks is tableJSONBVersion without its two
	// CHECK constraints.
	tableJSONBVersionNoChecks = table{ddl: withoutChecks(withVersion(headTable)) + ";" + sessionIndexes}
	// tableBytea is 001 with data as bytea and a version column, as
	// schema/002_versioned.sql makes it: the data CHECK goes (on bytea it
	// would have to parse the data), token_hash's stays.
	tableBytea = table{ddl: byteaVersion + ";" + sessionIndexes, bytea: true}
	// tableByteaNoChecks is tableBytea without its CHECK constraint.
	tableByteaNoChecks = table{ddl: withoutChecks(byteaVersion) + ";" + sessionIndexes, bytea: true}
	// tableByteaFill70 is tableBytea with room on each page for a HOT
	// update.
	tableByteaFill70 = table{ddl: byteaVersion + " WITH (fillfactor = 70);" + sessionIndexes, bytea: true}
	// tableBlob is bare's table (bench/impl): a bytea blob under the
	// token hash, and the expiry, indexed. scs's differs only in keying
	// by a text token.
	tableBlob = table{ddl: `CREATE TABLE sessiongen_sessions (
    token_hash bytea PRIMARY KEY,
    data bytea NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessiongen_sessions_expires_at_idx ON sessiongen_sessions (expires_at)`, bytea: true}
)

// byteaVersion is 001's table with data as bytea and a version column.
var byteaVersion = withVersion(strings.Replace(headTable,
	`data       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),`,
	`data       bytea       NOT NULL DEFAULT '{}',`, 1))

// withVersion adds the version column to 001's table.
func withVersion(ddl string) string {
	return strings.Replace(ddl, "user_agent text        NOT NULL DEFAULT ''",
		"user_agent text        NOT NULL DEFAULT '',\n    version    bigint      NOT NULL DEFAULT 1", 1)
}

// withoutChecks removes 001's CHECK constraints.
func withoutChecks(ddl string) string {
	ddl = strings.Replace(ddl, " CHECK (octet_length(token_hash) = 32)", "", 1)
	return strings.Replace(ddl, " CHECK (jsonb_typeof(data) = 'object')", "", 1)
}

// The statements at baseCommit (runtime/pgstore/internal/db/sessions.sql.go,
// generated from queries/sessions.sql).
const (
	headLoad = `-- name: LoadSession :one
SELECT data, expires_at, user_id, user_agent, created_at, updated_at
FROM sessiongen_sessions
WHERE token_hash = $1 AND expires_at > now()
`
	headUpdate = `-- name: UpdateSession :execrows
UPDATE sessiongen_sessions
SET data = (data - $1::text[]) || $2::jsonb,
    expires_at = $3,
    user_id = CASE WHEN $4::boolean THEN $5 ELSE user_id END,
    user_agent = coalesce($6, user_agent),
    updated_at = now()
WHERE token_hash = $7 AND expires_at > now()
    AND (SELECT count(*) FROM unnest($8::text[]) AS absent (key)
        WHERE data ? absent.key) = 0
    AND (SELECT count(*) FROM jsonb_each($9::jsonb) AS expected
        WHERE data -> expected.key IS DISTINCT FROM expected.value) = 0
    AND ($10::bigint <= 0 OR (
        SELECT coalesce(sum(bytes) FILTER (WHERE after), 0) <= greatest($10::bigint, sum(bytes) FILTER (WHERE before))
        FROM (
            SELECT octet_length(key) + octet_length(value::text), true, NOT (key = ANY($1::text[]) OR $2::jsonb ? key)
            FROM jsonb_each(data)
            UNION ALL
            SELECT octet_length(key) + octet_length(value::text), false, true
            FROM jsonb_each($2::jsonb)
        ) AS entry (bytes, before, after)))
`
)

// The other forms' statements.
const (
	leanLoad = `SELECT data, expires_at, user_id, user_agent
FROM sessiongen_sessions
WHERE token_hash = $1 AND expires_at > now()`
	// leanUpdate is headUpdate without the deleted array and the Expect
	// conditions: the shape of a save that sets keys and expects nothing.
	leanUpdate = `UPDATE sessiongen_sessions
SET data = data || $1::jsonb,
    expires_at = $2,
    user_id = CASE WHEN $3::boolean THEN $4 ELSE user_id END,
    user_agent = coalesce($5, user_agent),
    updated_at = now()
WHERE token_hash = $6 AND expires_at > now()
    AND ($7::bigint <= 0 OR (
        SELECT coalesce(sum(bytes) FILTER (WHERE after), 0) <= greatest($7::bigint, sum(bytes) FILTER (WHERE before))
        FROM (
            SELECT octet_length(key) + octet_length(value::text), true, NOT ($1::jsonb ? key)
            FROM jsonb_each(data)
            UNION ALL
            SELECT octet_length(key) + octet_length(value::text), false, true
            FROM jsonb_each($1::jsonb)
        ) AS entry (bytes, before, after)))`
	// mergeUpdate is leanUpdate without the size bound: no condition.
	mergeUpdate = `UPDATE sessiongen_sessions
SET data = data || $1::jsonb,
    expires_at = $2,
    user_id = CASE WHEN $3::boolean THEN $4 ELSE user_id END,
    user_agent = coalesce($5, user_agent),
    updated_at = now()
WHERE token_hash = $6 AND expires_at > now()`
	wholeJSONB = `UPDATE sessiongen_sessions
SET data = $1::jsonb, version = version + 1, expires_at = $2, updated_at = now()
WHERE token_hash = $3 AND version = $4 AND expires_at > now()`
	wholeBytea = `UPDATE sessiongen_sessions
SET data = $1, version = version + 1, expires_at = $2, updated_at = now()
WHERE token_hash = $3 AND version = $4 AND expires_at > now()`
	// wholeByteaKeepExpiry leaves every indexed column as it is, so the
	// update can be HOT.
	wholeByteaKeepExpiry = `UPDATE sessiongen_sessions
SET data = $1, version = version + 1, updated_at = now()
WHERE token_hash = $2 AND version = $3 AND expires_at > now()`
	byteaLoad = `SELECT data, version, expires_at, user_id, user_agent
FROM sessiongen_sessions
WHERE token_hash = $1 AND expires_at > now()`
	// blobUpsert and blobLoad are bare's (bench/impl/bare.go); scs's
	// pgxstore runs the same two shapes.
	blobUpsert = `INSERT INTO sessiongen_sessions (token_hash, data, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`
	blobLoad = `SELECT data FROM sessiongen_sessions WHERE token_hash = $1 AND expires_at > now()`
	// byteaMerge is a per-key write to the bytea column, done by
	// PostgreSQL: the fallback of a save whose version check failed.
	byteaMerge = `UPDATE sessiongen_sessions
SET data = convert_to(((convert_from(data, 'UTF8')::jsonb - $1::text[]) || $2::jsonb)::text, 'UTF8'),
    version = version + 1, expires_at = $3, updated_at = now()
WHERE token_hash = $4 AND expires_at > now()`
)

// maxSize is the runtime's DefaultMaxSize, which every save of the
// benchmark's routes passes.
const maxSize = int64(64 << 10)

// lifetime is the expiry every save sets, as in the benchmark.
const lifetime = impl.Lifetime

// A save is what one execution of a form writes or reads: the session's
// token hash, the version it was loaded at, and its new contents.
type save struct {
	hash    []byte
	version int64
	change  []byte // the changed keys, as a JSON object
	whole   []byte // the whole session after the change, as a JSON object
	expires time.Time
}

// A form is one statement shape, measured on its own table.
type form struct {
	id    string // as issue 16's deliverable numbers them
	title string
	table table
	sql   string
	write bool // the statement must update one row; else return one
	// versioned writes move the row's version on.
	versioned bool
	args      func(s save) []any
}

var noStrings = []string{}

// forms are the measured forms, in the order of the table.
var forms = []form{
	{id: "1a", title: "load at HEAD: jsonb, with created_at, updated_at", table: tableHead, sql: headLoad,
		args: func(s save) []any { return []any{s.hash} }},
	{id: "1b", title: "load: jsonb, without created_at, updated_at", table: tableHead, sql: leanLoad,
		args: func(s save) []any { return []any{s.hash} }},
	{id: "2a", title: "per-key UpdateSession at HEAD: jsonb, expect and max_size, deleted '{}'", table: tableHead, sql: headUpdate, write: true,
		args: func(s save) []any {
			return []any{noStrings, s.change, s.expires, false, (*string)(nil), (*string)(nil), s.hash, noStrings, []byte("{}"), maxSize}
		}},
	{id: "2b", title: "per-key jsonb, empty-args shape: no deleted, no expect; max_size kept", table: tableHead, sql: leanUpdate, write: true,
		args: func(s save) []any {
			return []any{s.change, s.expires, false, (*string)(nil), (*string)(nil), s.hash, maxSize}
		}},
	{id: "2c", title: "per-key jsonb, no condition (2b without max_size)", table: tableHead, sql: mergeUpdate, write: true,
		args: func(s save) []any {
			return []any{s.change, s.expires, false, (*string)(nil), (*string)(nil), s.hash}
		}},
	{id: "3a", title: "whole jsonb, version guard", table: tableJSONBVersion, sql: wholeJSONB, write: true, versioned: true,
		args: func(s save) []any { return []any{s.whole, s.expires, s.hash, s.version} }},
	{id: "3b", title: "3a without the two CHECK constraints", table: tableJSONBVersionNoChecks, sql: wholeJSONB, write: true, versioned: true,
		args: func(s save) []any { return []any{s.whole, s.expires, s.hash, s.version} }},
	{id: "4a", title: "whole bytea, version guard (002's table)", table: tableBytea, sql: wholeBytea, write: true, versioned: true,
		args: func(s save) []any { return []any{s.whole, s.expires, s.hash, s.version} }},
	{id: "4b", title: "load: bytea, with version, without created_at, updated_at", table: tableBytea, sql: byteaLoad,
		args: func(s save) []any { return []any{s.hash} }},
	{id: "5a", title: "4a without its CHECK constraint (token_hash's; the data CHECK went with jsonb)", table: tableByteaNoChecks, sql: wholeBytea, write: true, versioned: true,
		args: func(s save) []any { return []any{s.whole, s.expires, s.hash, s.version} }},
	{id: "5b", title: "4a with fillfactor 70, expires_at left as it is (HOT-eligible)", table: tableByteaFill70, sql: wholeByteaKeepExpiry, write: true, versioned: true,
		args: func(s save) []any { return []any{s.whole, s.hash, s.version} }},
	{id: "6a", title: "scs/bare: INSERT ... ON CONFLICT DO UPDATE of a bytea blob", table: tableBlob, sql: blobUpsert, write: true,
		args: func(s save) []any { return []any{s.hash, s.whole, s.expires} }},
	{id: "6b", title: "scs/bare: primary-key SELECT of the blob", table: tableBlob, sql: blobLoad,
		args: func(s save) []any { return []any{s.hash} }},
	{id: "7", title: "per-key merge on bytea in SQL (the version-mismatch fallback)", table: tableBytea, sql: byteaMerge, write: true, versioned: true,
		args: func(s save) []any { return []any{noStrings, s.change, s.expires, s.hash} }},
}

// A size is one of the two sessions the benchmark stores.
type size struct {
	name string
	// whole returns the session after its n-th save, as a JSON object
	// (n = 0: as seeded); change returns the n-th save's change.
	whole, change func(n int64) []byte
}

var sizes = []size{
	{name: "small",
		whole: func(n int64) []byte {
			return []byte(`{"count":` + strconv.FormatInt(n, 10) + `,"name":"` + impl.SmallName + `"}`)
		},
		change: func(n int64) []byte { return []byte(`{"count":` + strconv.FormatInt(n, 10) + `}`) },
	},
	{name: "large", whole: largeWhole, change: func(n int64) []byte { return largeObject(map[string]string{"k00": largeValue(n)}) }},
}

// largeTail is the large session's JSON after k00's value: the other 49
// keys, which the saves leave alone.
var largeTail = func() string {
	m := make(map[string]string, impl.NumLargeKeys)
	for i := range impl.NumLargeKeys {
		m[impl.LargeKey(i)] = impl.LargeValue(i)
	}
	b := largeObject(m)
	head := largeObject(map[string]string{"k00": m["k00"]})
	return string(b[len(head)-1:]) // from the comma after k00's value
}()

func largeWhole(n int64) []byte {
	head := largeObject(map[string]string{"k00": largeValue(n)})
	return append(head[:len(head)-1], largeTail...)
}

// largeValue is k00's value after the n-th save (n = 0: as seeded), of
// impl.LargeValueLen bytes, as /write-large sets it.
func largeValue(n int64) string {
	if n == 0 {
		return impl.LargeValue(0)
	}
	prefix := "new " + strconv.FormatInt(n, 10) + " "
	return prefix + strings.Repeat("z", impl.LargeValueLen-len(prefix))
}

func largeObject(m map[string]string) []byte {
	b, err := json.Marshal(m) // sorted keys, as the runtime encodes
	if err != nil {
		panic(err) // strings always encode
	}
	return b
}

// tokenHash returns the hash of the i-th seeded session, as the seeding
// statement computes it.
func tokenHash(i int) []byte {
	h := sha256.Sum256([]byte("pgcost " + strconv.Itoa(i)))
	return h[:]
}

// seedSQL inserts $2 sessions of data $1 into a form's table, with the
// token hashes of tokenHash.
func seedSQL(t table) string {
	cast := "$1::jsonb"
	if t.bytea {
		cast = "$1::bytea"
	}
	return `INSERT INTO sessiongen_sessions (token_hash, data, expires_at)
SELECT sha256(convert_to('pgcost ' || i, 'UTF8')), ` + cast + `, now() + interval '14 days'
FROM generate_series(0, $2::int - 1) AS i`
}

// on returns sql for the table named name.
func on(sql, name string) string { return strings.ReplaceAll(sql, tableName, name) }
