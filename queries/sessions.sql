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
-- when the session is missing or expired, or when its two conditions do
-- not hold (ChangeRefusal tells which). The user binding changes only
-- when set_user is true, and the user agent only when one is given.
--
-- The conditions: no key of expect_absent may be present, and each key of
-- the object expect must hold its value, compared as jsonb; and, when
-- max_size is positive, the data after the write must fit in max_size or
-- be no larger than before. Sizes count as Load returns the data: each
-- key's bytes plus its value's jsonb text. Before counts every stored
-- entry; after, those that neither deleted nor changed replaces, and every
-- entry of changed; so the stored data is read once, and the new data is
-- not built twice.
--
-- The conditions sit in the WHERE clause, on the row being written, so
-- that under READ COMMITTED a concurrent write to the row makes PostgreSQL
-- check them again on its newest version: reading the row first, in a
-- query or a subquery, would check a version the write may not apply to.
-- Each is a scalar subquery over the row's data, which PostgreSQL runs
-- again on that newest version; a NOT EXISTS would become an anti join,
-- which it does not run again, and concurrent compare-and-sets would lose
-- updates. Each entry's bytes are computed in its own branch of the UNION:
-- from a LATERAL subquery, PostgreSQL would compute them once per sum.
-- CycleSession and ChangeRefusal spell the conditions the same way.
-- name: UpdateSession :execrows
UPDATE sessiongen_sessions
SET data = (data - sqlc.arg(deleted)::text[]) || sqlc.arg(changed)::jsonb,
    expires_at = sqlc.arg(expires_at),
    user_id = CASE WHEN sqlc.arg(set_user)::boolean THEN sqlc.narg(user_id) ELSE user_id END,
    user_agent = coalesce(sqlc.narg(user_agent), user_agent),
    updated_at = now()
WHERE token_hash = sqlc.arg(token_hash) AND expires_at > now()
    AND (SELECT count(*) FROM unnest(sqlc.arg(expect_absent)::text[]) AS absent (key)
        WHERE data ? absent.key) = 0
    AND (SELECT count(*) FROM jsonb_each(sqlc.arg(expect)::jsonb) AS expected
        WHERE data -> expected.key IS DISTINCT FROM expected.value) = 0
    AND (sqlc.arg(max_size)::bigint <= 0 OR (
        SELECT coalesce(sum(bytes) FILTER (WHERE after), 0) <= greatest(sqlc.arg(max_size)::bigint, sum(bytes) FILTER (WHERE before))
        FROM (
            SELECT octet_length(key) + octet_length(value::text), true, NOT (key = ANY(sqlc.arg(deleted)::text[]) OR sqlc.arg(changed)::jsonb ? key)
            FROM jsonb_each(data)
            UNION ALL
            SELECT octet_length(key) + octet_length(value::text), false, true
            FROM jsonb_each(sqlc.arg(changed)::jsonb)
        ) AS entry (bytes, before, after)));

-- CycleSession moves a live session to a new hash, with the same per-key
-- write and the same conditions as UpdateSession, in one statement. It
-- affects no row when the session under old_token_hash is missing or
-- expired, or when the conditions do not hold.
-- name: CycleSession :execrows
UPDATE sessiongen_sessions
SET token_hash = sqlc.arg(new_token_hash),
    data = (data - sqlc.arg(deleted)::text[]) || sqlc.arg(changed)::jsonb,
    expires_at = sqlc.arg(expires_at),
    user_id = CASE WHEN sqlc.arg(set_user)::boolean THEN sqlc.narg(user_id) ELSE user_id END,
    user_agent = coalesce(sqlc.narg(user_agent), user_agent),
    updated_at = now()
WHERE token_hash = sqlc.arg(old_token_hash) AND expires_at > now()
    AND (SELECT count(*) FROM unnest(sqlc.arg(expect_absent)::text[]) AS absent (key)
        WHERE data ? absent.key) = 0
    AND (SELECT count(*) FROM jsonb_each(sqlc.arg(expect)::jsonb) AS expected
        WHERE data -> expected.key IS DISTINCT FROM expected.value) = 0
    AND (sqlc.arg(max_size)::bigint <= 0 OR (
        SELECT coalesce(sum(bytes) FILTER (WHERE after), 0) <= greatest(sqlc.arg(max_size)::bigint, sum(bytes) FILTER (WHERE before))
        FROM (
            SELECT octet_length(key) + octet_length(value::text), true, NOT (key = ANY(sqlc.arg(deleted)::text[]) OR sqlc.arg(changed)::jsonb ? key)
            FROM jsonb_each(data)
            UNION ALL
            SELECT octet_length(key) + octet_length(value::text), false, true
            FROM jsonb_each(sqlc.arg(changed)::jsonb)
        ) AS entry (bytes, before, after)));

-- ChangeRefusal tells why UpdateSession or CycleSession wrote nothing,
-- with the same parameters: no row when the session is missing or
-- expired, else whether each condition holds now. It runs only after such
-- a failure, so the common path stays one statement.
-- name: ChangeRefusal :one
SELECT
    ((SELECT count(*) FROM unnest(sqlc.arg(expect_absent)::text[]) AS absent (key)
        WHERE data ? absent.key) = 0
    AND (SELECT count(*) FROM jsonb_each(sqlc.arg(expect)::jsonb) AS expected
        WHERE data -> expected.key IS DISTINCT FROM expected.value) = 0)::boolean AS expected,
    (sqlc.arg(max_size)::bigint <= 0 OR (
        SELECT coalesce(sum(bytes) FILTER (WHERE after), 0) <= greatest(sqlc.arg(max_size)::bigint, sum(bytes) FILTER (WHERE before))
        FROM (
            SELECT octet_length(key) + octet_length(value::text), true, NOT (key = ANY(sqlc.arg(deleted)::text[]) OR sqlc.arg(changed)::jsonb ? key)
            FROM jsonb_each(data)
            UNION ALL
            SELECT octet_length(key) + octet_length(value::text), false, true
            FROM jsonb_each(sqlc.arg(changed)::jsonb)
        ) AS entry (bytes, before, after)))::boolean AS fits
FROM sessiongen_sessions
WHERE token_hash = sqlc.arg(token_hash) AND expires_at > now();

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
