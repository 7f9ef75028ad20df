-- LockMigrations serialises pgstore.Migrate calls on one database until
-- the transaction ends. The key is "sessiong" in ASCII, as a bigint.
-- name: LockMigrations :exec
SELECT pg_advisory_xact_lock(8315179226536832615);

-- AppliedMigrations lists the versions of the schema files applied.
-- name: AppliedMigrations :many
SELECT version
FROM sessiongen_migrations
ORDER BY version;

-- RecordMigration records that a schema file has been applied.
-- name: RecordMigration :exec
INSERT INTO sessiongen_migrations (version)
VALUES (sqlc.arg(version));
