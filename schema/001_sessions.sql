-- Sessions, keyed by the SHA-256 of their token: the token itself is never
-- stored, so a copy of this table does not let anyone in.
CREATE TABLE sessiongen_sessions (
    token_hash bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    data       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

-- Clearing expired rows scans by expiry.
CREATE INDEX sessiongen_sessions_expires_at_idx ON sessiongen_sessions (expires_at);
