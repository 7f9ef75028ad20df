-- Queries of the admin page (package runtime/admin). Unlike the session
-- queries, they see expired rows too, until the janitor removes them.

-- AdminCountSessions counts every stored session, live or expired.
-- name: AdminCountSessions :one
SELECT count(*)
FROM sessiongen_sessions;

-- AdminListSessions lists stored sessions, live or expired, newest first,
-- one page at a time.
-- name: AdminListSessions :many
SELECT token_hash, user_id, user_agent, created_at, updated_at, expires_at
FROM sessiongen_sessions
ORDER BY created_at DESC, token_hash
LIMIT sqlc.arg(page_size) OFFSET sqlc.arg(skip);

-- AdminCountUserSessions counts a user's sessions, live or expired.
-- name: AdminCountUserSessions :one
SELECT count(*)
FROM sessiongen_sessions
WHERE user_id = sqlc.arg(user_id);

-- AdminListUserSessions lists a user's sessions, live or expired, newest
-- first, one page at a time.
-- name: AdminListUserSessions :many
SELECT token_hash, user_id, user_agent, created_at, updated_at, expires_at
FROM sessiongen_sessions
WHERE user_id = sqlc.arg(user_id)
ORDER BY created_at DESC, token_hash
LIMIT sqlc.arg(page_size) OFFSET sqlc.arg(skip);

-- AdminFindSession returns a session with its data, live or expired.
-- name: AdminFindSession :one
SELECT token_hash, data, user_id, user_agent, created_at, updated_at, expires_at
FROM sessiongen_sessions
WHERE token_hash = sqlc.arg(token_hash);
