-- NotifyEvents sends each payload on the channel; in a transaction,
-- PostgreSQL delivers them when it commits, and not if it rolls back.
-- name: NotifyEvents :exec
SELECT pg_notify(sqlc.arg(channel)::text, p)
FROM unnest(sqlc.arg(payloads)::text[]) AS p;
