-- LoadSession returns a live session: what the middleware needs of it, so
-- not created_at and updated_at, which cost a request their decoding.
-- Like every query here, it addresses a session by the SHA-256 of its
-- token, and treats an expired row as absent.
-- name: LoadSession :one
SELECT data, expires_at, user_id, user_agent, version
FROM sessiongen_sessions
WHERE token_hash = sqlc.arg(token_hash) AND expires_at > now();

-- CreateSession inserts a session, or replaces an expired row that the
-- janitor has not cleared yet. It affects no row when a live session holds
-- the hash.
-- name: CreateSession :execrows
INSERT INTO sessiongen_sessions AS s (token_hash, data, expires_at, user_id, user_agent)
VALUES (sqlc.arg(token_hash), sqlc.arg(data), sqlc.arg(expires_at), sqlc.narg(user_id), sqlc.arg(user_agent))
ON CONFLICT (token_hash) DO UPDATE
SET data = excluded.data,
    expires_at = excluded.expires_at,
    user_id = excluded.user_id,
    user_agent = excluded.user_agent,
    created_at = now(),
    updated_at = now(),
    version = s.version + 1
WHERE s.expires_at <= now();

-- ReplaceSession writes a live session's data whole, if its version is
-- still the one the caller loaded: the cheap path of a save, whose data
-- PostgreSQL only copies. It affects no row when the session is missing,
-- expired, or written since (by anyone: a concurrent request, dropkey);
-- the caller then makes the change as a per-key merge (LockSession), which
-- tells those apart. The user binding changes only when set_user is true, and the
-- user agent only when one is given.
-- name: ReplaceSession :execrows
UPDATE sessiongen_sessions
SET data = sqlc.arg(data),
    version = version + 1,
    expires_at = sqlc.arg(expires_at),
    user_id = CASE WHEN sqlc.arg(set_user)::boolean THEN sqlc.narg(user_id) ELSE user_id END,
    user_agent = coalesce(sqlc.narg(user_agent), user_agent),
    updated_at = now()
WHERE token_hash = sqlc.arg(token_hash) AND version = sqlc.arg(version) AND expires_at > now();

-- ReplaceCycleSession is ReplaceSession that also moves the session to a
-- new hash, failing when any row holds it.
-- name: ReplaceCycleSession :execrows
UPDATE sessiongen_sessions
SET token_hash = sqlc.arg(new_token_hash),
    data = sqlc.arg(data),
    version = version + 1,
    expires_at = sqlc.arg(expires_at),
    user_id = CASE WHEN sqlc.arg(set_user)::boolean THEN sqlc.narg(user_id) ELSE user_id END,
    user_agent = coalesce(sqlc.narg(user_agent), user_agent),
    updated_at = now()
WHERE token_hash = sqlc.arg(old_token_hash) AND version = sqlc.arg(version) AND expires_at > now();

-- LockSession returns a live session's data, version and metadata, and
-- locks its row until the transaction ends: the read of pgstore's per-key merge,
-- which a save falls back to when the row is no longer at the version it
-- loaded, and which a change made without a version always is. Under READ
-- COMMITTED, a row written concurrently is read as that write left it.
-- name: LockSession :one
SELECT data, version, user_id, user_agent
FROM sessiongen_sessions
WHERE token_hash = sqlc.arg(token_hash) AND expires_at > now()
FOR UPDATE;

-- DeleteSession deletes a session, live or expired.
-- name: DeleteSession :exec
DELETE FROM sessiongen_sessions
WHERE token_hash = sqlc.arg(token_hash);

-- DeleteExpiredBatch deletes at most batch_size expired sessions, oldest
-- first, skipping rows another transaction holds, so several janitors can
-- run at once. It returns what it deleted, so that with events enabled the
-- ends are published in the same transaction.
-- name: DeleteExpiredBatch :many
DELETE FROM sessiongen_sessions
WHERE token_hash IN (
    SELECT token_hash
    FROM sessiongen_sessions
    WHERE expires_at <= now()
    ORDER BY expires_at
    LIMIT sqlc.arg(batch_size)
    FOR UPDATE SKIP LOCKED
)
RETURNING token_hash, user_id;

-- UserSessions lists a user's live sessions, most recently saved first,
-- with their data, which holds their sign-in and deadlines.
-- name: UserSessions :many
SELECT token_hash, user_id, user_agent, created_at, updated_at, expires_at, data
FROM sessiongen_sessions
WHERE user_id = sqlc.arg(user_id) AND expires_at > now()
ORDER BY updated_at DESC, token_hash;

-- DeleteUserSessions deletes every session of a user, live or expired,
-- except the one under keep (pass an empty hash to keep none), and returns
-- the hashes it deleted, so a cache in front can forget exactly those.
-- name: DeleteUserSessions :many
DELETE FROM sessiongen_sessions
WHERE user_id = sqlc.arg(user_id) AND token_hash <> sqlc.arg(keep)
RETURNING token_hash;
