-- Bookkeeping for pgstore.Migrate: one row per schema file applied.
-- Idempotent: Migrate runs this file every time, before anything else.
-- Tools such as goose, atlas or tern keep their own bookkeeping and may
-- skip this file.
CREATE TABLE IF NOT EXISTS sessiongen_migrations (
    version    integer     PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
