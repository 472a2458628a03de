-- 0040_clear_finished_mail_bodies.sql
--
-- Issue #8 item 6: a mail's body holds a live one-time link (verify, reset, magic link), so
-- the outbox keeps it only while the mail may still be sent. A sent mail and an abandoned one
-- (the worker gave up) lose their body at once, and the mail worker deletes such rows after
-- the retention period (platform_prune_mail). What stays meanwhile (recipient, subject, times,
-- attempts, last error) is what an operator needs to answer "did my mail go out?".

ALTER TABLE mail_outbox ALTER COLUMN body_text DROP NOT NULL;
ALTER TABLE mail_outbox ADD COLUMN abandoned_at timestamptz;

-- Until 0040, giving up was next_attempt_at = 'infinity' and nothing else.
UPDATE mail_outbox SET abandoned_at = now()
 WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at = 'infinity';
UPDATE mail_outbox SET body_text = NULL, body_html = NULL
 WHERE sent_at IS NOT NULL OR abandoned_at IS NOT NULL;

-- A mail that may still be sent has its body; a finished one has none.
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_body_only_while_pending CHECK (
    CASE WHEN sent_at IS NULL AND abandoned_at IS NULL THEN body_text IS NOT NULL
         ELSE body_text IS NULL AND body_html IS NULL END);

-- platform_prune_mail: finished mails by the time they finished.
CREATE INDEX mail_outbox_finished_idx ON mail_outbox ((COALESCE(sent_at, abandoned_at)))
    WHERE sent_at IS NOT NULL OR abandoned_at IS NOT NULL;

-- Same signature and result as in 0001; the body goes with the send.
CREATE OR REPLACE FUNCTION platform_mark_mail_sent(p_id uuid)
    RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH done AS (
        UPDATE mail_outbox m
           SET sent_at = now(), last_error = NULL, body_text = NULL, body_html = NULL
         WHERE m.id = p_id AND m.sent_at IS NULL AND m.abandoned_at IS NULL
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM done)
$$;

-- Same signature as in 0001: p_retry_at = 'infinity' gives up on the mail, which now also
-- marks it abandoned and clears its body.
CREATE OR REPLACE FUNCTION platform_mark_mail_failed(p_id uuid, p_error text, p_retry_at timestamptz)
    RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH done AS (
        UPDATE mail_outbox m
           SET last_error = left(p_error, 2000),
               next_attempt_at = p_retry_at,
               abandoned_at = CASE WHEN p_retry_at = 'infinity' THEN now() END,
               body_text = CASE WHEN p_retry_at = 'infinity' THEN NULL ELSE m.body_text END,
               body_html = CASE WHEN p_retry_at = 'infinity' THEN NULL ELSE m.body_html END
         WHERE m.id = p_id AND m.sent_at IS NULL AND m.abandoned_at IS NULL
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM done)
$$;

-- Mail worker housekeeping: deletes sent and abandoned mails that finished before p_before;
-- returns how many. Mails still pending are never touched.
CREATE FUNCTION platform_prune_mail(p_before timestamptz)
    RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH gone AS (
        DELETE FROM mail_outbox m
         WHERE (m.sent_at IS NOT NULL OR m.abandoned_at IS NOT NULL)
           AND COALESCE(m.sent_at, m.abandoned_at) < p_before
        RETURNING 1)
    SELECT count(*) FROM gone
$$;

GRANT DELETE ON mail_outbox TO gatehouse_platform;

-- Same hand-over as 0001: owned by gatehouse_platform, executable by the server only.
DO $lend_create$
BEGIN
    IF NOT pg_catalog.has_schema_privilege('gatehouse_platform', 'public', 'CREATE') THEN
        GRANT CREATE ON SCHEMA public TO gatehouse_platform;
    END IF;
END
$lend_create$;

ALTER FUNCTION platform_prune_mail(timestamptz) OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_prune_mail(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_prune_mail(timestamptz) TO gatehouse_app;

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;
