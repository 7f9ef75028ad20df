-- Queries of the bound on a user's sessions (runtime.WithMaxSessionsPerUser),
-- which a sign-in runs in one transaction with its write: LockUser, the
-- write, LockUserSessions, DeleteSessions.

-- LockUser serialises, until the transaction ends, the sign-ins of one
-- user that bound the user's sessions, on every connection to the
-- database, whatever pool or instance it belongs to: a second sign-in of
-- the user waits until the first has committed, and then counts its
-- session. Users whose ids hash alike (as LockMigrations' key may, at
-- odds of one in 2^64) share the lock, which only makes them wait for
-- each other.
-- name: LockUser :exec
SELECT pg_advisory_xact_lock(hashtextextended(sqlc.arg(user_id)::text, 0));

-- LockUserSessions returns a user's live sessions but the one under keep,
-- with their last-save times, and locks their rows until the transaction
-- ends. Under READ COMMITTED, a row written concurrently is read as that
-- write left it, so a session that a concurrent request saved, or moved to
-- a new hash, is seen as it is now.
-- name: LockUserSessions :many
SELECT token_hash, updated_at
FROM sessiongen_sessions
WHERE user_id = sqlc.arg(user_id) AND expires_at > now() AND token_hash <> sqlc.arg(keep)
FOR UPDATE;

-- DeleteSessions deletes the sessions under hashes, live or expired, and
-- returns the hashes it deleted.
-- name: DeleteSessions :many
DELETE FROM sessiongen_sessions
WHERE token_hash = ANY(sqlc.arg(hashes)::bytea[])
RETURNING token_hash;
