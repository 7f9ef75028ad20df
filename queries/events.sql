-- DeleteExpiredBatchReturning is DeleteExpiredBatch returning what it
-- deleted, so that the ends can be published in the same transaction.
-- name: DeleteExpiredBatchReturning :many
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

-- NotifyEvents sends each payload on the channel; in a transaction,
-- PostgreSQL delivers them when it commits, and not if it rolls back.
-- name: NotifyEvents :exec
SELECT pg_notify(sqlc.arg(channel)::text, p)
FROM unnest(sqlc.arg(payloads)::text[]) AS p;
