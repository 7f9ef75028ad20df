-- Sessions are written whole under a version check: a save that finds
-- the row at the version it loaded replaces data in one UPDATE that
-- PostgreSQL neither parses nor prints, and one that does not merges its
-- keys into the row as it is now (in pgstore). data becomes bytea, the
-- session's JSON object as UTF-8, which pgstore validates before writing
-- as jsonb would have (runtime.CheckStorable), so that the statements
-- that look inside it (dropkey's) can convert it to jsonb.
--
-- This rewrites the table under an ACCESS EXCLUSIVE lock: 0.6 s for
-- 100,000 small sessions on a 2-core test machine. Run it when a pause of
-- that length is acceptable.
ALTER TABLE sessiongen_sessions
    DROP CONSTRAINT sessiongen_sessions_data_check,
    ALTER COLUMN data DROP DEFAULT,
    ALTER COLUMN data TYPE bytea USING convert_to(data::text, 'UTF8'),
    ALTER COLUMN data SET DEFAULT '{}'::bytea,
    -- Each write moves version on, so a save can tell whether the row is
    -- still the one it loaded.
    ADD COLUMN version bigint NOT NULL DEFAULT 1;
