-- 0080_add_console_session_secret.sql
--
-- Issue 11 (the web console).
--
-- The web console's sessions are rows of auth_sessions, like the API's: sign-out, "sign out
-- everywhere" and a password reset end them at once. The console's cookie carries a 256-bit
-- secret; only its SHA-256 is stored here (NULL for sessions opened through the JSON API).
ALTER TABLE auth_sessions ADD COLUMN console_secret_hash bytea;

CREATE UNIQUE INDEX auth_sessions_console_secret_idx ON auth_sessions (tenant_id, console_secret_hash)
    WHERE console_secret_hash IS NOT NULL;
