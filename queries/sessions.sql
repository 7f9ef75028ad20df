-- LoadSession returns a live session. Like every query here, it addresses
-- a session by the SHA-256 of its token, and treats an expired row as
-- absent.
-- name: LoadSession :one
SELECT data, expires_at, user_id, user_agent, created_at, updated_at
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
    updated_at = now()
WHERE s.expires_at <= now();

-- UpdateSession is a per-key write: keys named in deleted go, keys in
-- changed are set, and every other key stays as it is. It affects no row
-- when the session is missing or expired. The user binding changes only
-- when set_user is true, and the user agent only when one is given.
-- name: UpdateSession :execrows
UPDATE sessiongen_sessions
SET data = (data - sqlc.arg(deleted)::text[]) || sqlc.arg(changed)::jsonb,
    expires_at = sqlc.arg(expires_at),
    user_id = CASE WHEN sqlc.arg(set_user)::boolean THEN sqlc.narg(user_id) ELSE user_id END,
    user_agent = coalesce(sqlc.narg(user_agent), user_agent),
    updated_at = now()
WHERE token_hash = sqlc.arg(token_hash) AND expires_at > now();

-- CycleSession moves a live session to a new hash, with the same per-key
-- write as UpdateSession, in one statement. It affects no row when the
-- session under old_token_hash is missing or expired.
-- name: CycleSession :execrows
UPDATE sessiongen_sessions
SET token_hash = sqlc.arg(new_token_hash),
    data = (data - sqlc.arg(deleted)::text[]) || sqlc.arg(changed)::jsonb,
    expires_at = sqlc.arg(expires_at),
    user_id = CASE WHEN sqlc.arg(set_user)::boolean THEN sqlc.narg(user_id) ELSE user_id END,
    user_agent = coalesce(sqlc.narg(user_agent), user_agent),
    updated_at = now()
WHERE token_hash = sqlc.arg(old_token_hash) AND expires_at > now();

-- DeleteSession deletes a session, live or expired.
-- name: DeleteSession :exec
DELETE FROM sessiongen_sessions
WHERE token_hash = sqlc.arg(token_hash);

-- DeleteExpiredBatch deletes at most batch_size expired sessions, oldest
-- first, skipping rows another transaction holds, so several janitors can
-- run at once.
-- name: DeleteExpiredBatch :execrows
DELETE FROM sessiongen_sessions
WHERE token_hash IN (
    SELECT token_hash
    FROM sessiongen_sessions
    WHERE expires_at <= now()
    ORDER BY expires_at
    LIMIT sqlc.arg(batch_size)
    FOR UPDATE SKIP LOCKED
);

-- UserSessions lists a user's live sessions, most recently saved first.
-- name: UserSessions :many
SELECT token_hash, user_id, user_agent, created_at, updated_at, expires_at
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
