-- 0021_create_throttle_refund.sql
--
-- Issue #8 (item 7): the per-email login throttle counts failures only. A login takes its
-- place in the buckets before the password is checked (platform_throttle_hit, so parallel
-- guesses cannot all slip under the limit), and a successful login gives the place back
-- with platform_throttle_refund. So a user who signs in often is never locked out by their
-- own successes, while wrong passwords count exactly.
--
-- The refund takes one hit back from the window the hit was counted in: the row's current
-- window when it is the window containing p_now or the one before (the row rolls over
-- lazily, on its next hit). A refund that finds nothing to take back does nothing.

CREATE FUNCTION platform_throttle_refund(p_bucket text, p_window_seconds integer, p_now timestamptz DEFAULT now())
    RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    UPDATE auth_throttle a
       SET current_count = a.current_count - 1
     WHERE a.bucket = p_bucket
       AND a.current_count > 0
       AND a.window_start >= date_bin(make_interval(secs => p_window_seconds), COALESCE(p_now, now()),
                                      timestamptz '1970-01-01 00:00:00+00')
                             - make_interval(secs => p_window_seconds)
$$;

DO $lend_create$
BEGIN
    IF NOT pg_catalog.has_schema_privilege('gatehouse_platform', 'public', 'CREATE') THEN
        GRANT CREATE ON SCHEMA public TO gatehouse_platform;
    END IF;
END
$lend_create$;

ALTER FUNCTION platform_throttle_refund(text, integer, timestamptz) OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_throttle_refund(text, integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_throttle_refund(text, integer, timestamptz) TO gatehouse_app;

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;
