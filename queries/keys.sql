-- DeleteKeyBatch removes one key from the data of the stored sessions,
-- live or expired, whose token hashes are the next batch_size after
-- after_hash, in hash order. It returns the last hash it looked at (NULL
-- when there was none: the table is done), how many rows it looked at, and
-- how many held the key and lost it. Each batch is one statement that
-- locks only the rows it changes, so removing a key from millions of
-- sessions never holds many locks for long. expires_at and updated_at are
-- left alone: this is clean-up, not a save.
-- name: DeleteKeyBatch :one
WITH scanned AS (
    SELECT token_hash
    FROM sessiongen_sessions
    WHERE token_hash > sqlc.arg(after_hash)::bytea
    ORDER BY token_hash
    LIMIT sqlc.arg(batch_size)
), changed AS (
    UPDATE sessiongen_sessions AS s
    SET data = convert_to((convert_from(s.data, 'UTF8')::jsonb - sqlc.arg(key)::text)::text, 'UTF8'),
        version = s.version + 1
    FROM scanned
    WHERE s.token_hash = scanned.token_hash AND convert_from(s.data, 'UTF8')::jsonb ? sqlc.arg(key)::text
    RETURNING s.token_hash
)
SELECT
    (SELECT token_hash FROM scanned ORDER BY token_hash DESC LIMIT 1)::bytea AS last_hash,
    (SELECT count(*) FROM scanned) AS scanned,
    (SELECT count(*) FROM changed) AS changed;
