-- Sessions, keyed by the SHA-256 of their token: the token itself is never
-- stored, so a copy of this table does not let anyone in.
CREATE TABLE sessiongen_sessions (
    token_hash bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    data       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    -- The user a sign-in bound the session to (Session.SignIn), kept out
    -- of data so "your devices" and "sign out everywhere" are an index
    -- lookup.
    user_id    text,
    user_agent text        NOT NULL DEFAULT ''
);

-- Clearing expired rows scans by expiry.
CREATE INDEX sessiongen_sessions_expires_at_idx ON sessiongen_sessions (expires_at);

-- A user's sessions, for "your devices" and "sign out everywhere".
CREATE INDEX sessiongen_sessions_user_id_idx ON sessiongen_sessions (user_id) WHERE user_id IS NOT NULL;
