-- 0003_create_api_key_hot_path.sql
--
-- The API-key hot path: one statement per key-authenticated request,
--     SELECT * FROM platform_api_key_hit($hash, $now, $cost, $class, $tenant)
-- which finds the key by its HMAC (or the previous secret during a rotation grace),
-- checks it is usable, applies the sliding windows and the spend cap, and answers what
-- the response headers need, with one UPDATE api_keys ... RETURNING.
--
-- Exactness: every SET and WHERE expression of that UPDATE reads only the target row's
-- own columns (plus parameters). Under READ COMMITTED a concurrent update of the same
-- row makes Postgres wait for it and re-evaluate WHERE and SET on the newest version, so
-- N replicas hitting one key serialise on its row lock and see every earlier hit. (A
-- FROM (SELECT ... FROM api_keys) self-join would read a stale snapshot instead.)
-- A refused request matches no row, so it changes nothing: no counter, no last_used_at.
--
-- HOT: the columns written here (rl_*, msg_*, ses_*, spend_period_*, last_used_at) are in
-- no index, and api_keys has fillfactor 70, so these updates stay heap-only.
--
-- Durability (decided on purpose): the function sets synchronous_commit = off for its
-- own transaction (SET LOCAL semantics; the server calls it as a single autocommit
-- statement). A hot key is bound by commit latency while its row is locked: measured on
-- this 2-core machine, ~3.2k/s on one key with synchronous_commit on vs ~10.8k/s off.
-- The price: if the Postgres server itself crashes (not the app), the last ~600 ms
-- (3 x wal_writer_delay) of committed counter updates can be lost. The database stays
-- consistent; those few admitted requests are simply forgotten by the window and the
-- spend counter, so a key may get that many extra calls after a crash. The usage log is
-- the record of what was called, not these counters.

------------------------------------------------------------------------------------------
-- Pure helpers (inlined by the planner): the two-bucket sliding window and spend periods.
------------------------------------------------------------------------------------------

-- Hits in the current bucket as seen at bucket start p_start. A row whose window is
-- newer than p_start (a replica's clock ahead) counts as the current window.
CREATE FUNCTION api_key_window_current(p_ws timestamptz, p_cur integer, p_start timestamptz)
    RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN p_ws >= p_start THEN p_cur ELSE 0 END $$;

-- Hits in the previous bucket as seen at bucket start p_start.
CREATE FUNCTION api_key_window_previous(
        p_ws timestamptz, p_cur integer, p_prev integer, p_start timestamptz, p_window interval)
    RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN p_ws >= p_start THEN p_prev
                WHEN p_ws = p_start - p_window THEN p_cur
                ELSE 0 END
$$;

-- previous x (1 - elapsed/window) + current, at bucket start p_start with weight p_weight.
CREATE FUNCTION api_key_window_estimate(
        p_ws timestamptz, p_cur integer, p_prev integer, p_start timestamptz, p_window interval,
        p_weight double precision)
    RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT api_key_window_previous(p_ws, p_cur, p_prev, p_start, p_window)::double precision
           * (CASE WHEN p_ws > p_start THEN 1.0 ELSE p_weight END)
         + api_key_window_current(p_ws, p_cur, p_start)
$$;

-- Milliseconds until one more hit fits a window whose buckets (as seen now) are
-- p_cur/p_prev starting at p_start; advisory (assumes no other hit meanwhile). >= 1.
CREATE FUNCTION api_key_window_retry_ms(
        p_cur integer, p_prev integer, p_limit integer, p_start timestamptz, p_window interval,
        p_now timestamptz)
    RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT GREATEST(1, ceil(1000 * extract(epoch FROM (
               CASE WHEN p_cur + 1 <= p_limit AND p_prev > 0
                    -- later in this bucket, once the previous one has faded enough
                    THEN p_start + p_window * (1.0 - (p_limit - 1 - p_cur)::double precision / p_prev)
                    -- in the next bucket, once this one (then previous) has faded enough
                    ELSE p_start + p_window
                         + p_window * GREATEST(0.0, 1.0 - (p_limit - 1)::double precision / GREATEST(p_cur, 1))
               END - p_now))))::bigint
$$;

-- Start of the spend period containing p_at: UTC day, ISO week (Monday 00:00 UTC),
-- calendar month (UTC); '-infinity' for forever.
CREATE FUNCTION api_key_period_start(p_period text, p_at timestamptz)
    RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_period
               WHEN 'day' THEN date_trunc('day', p_at, 'UTC')
               WHEN 'week' THEN date_trunc('week', p_at, 'UTC')
               WHEN 'month' THEN date_trunc('month', p_at, 'UTC')
               ELSE '-infinity'::timestamptz
           END
$$;

-- The stored period start once rolled over to p_at.
CREATE FUNCTION api_key_period_current_start(p_period text, p_stored timestamptz, p_at timestamptz)
    RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN p_period = 'forever' THEN COALESCE(p_stored, p_at)
                ELSE GREATEST(p_stored, api_key_period_start(p_period, p_at)) END
$$;

-- The amount used in the period containing p_at (0 once the stored period is over).
CREATE FUNCTION api_key_period_used(p_period text, p_stored timestamptz, p_used numeric, p_at timestamptz)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN p_period = 'forever' OR p_stored >= api_key_period_start(p_period, p_at)
                THEN p_used ELSE 0 END
$$;

-- When the period starting at p_start rolls over; NULL for forever.
CREATE FUNCTION api_key_period_end(p_period text, p_start timestamptz)
    RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_period
               WHEN 'day' THEN p_start + interval '1 day'
               WHEN 'week' THEN p_start + interval '7 days'
               WHEN 'month' THEN p_start + interval '1 month'
           END
$$;

------------------------------------------------------------------------------------------
-- The hot path.
------------------------------------------------------------------------------------------

-- p_hash: HMAC of the presented key. p_now: the server's clock (injectable in tests).
-- p_cost: the price of this call (>= 0). p_class: NULL, 'messages' (rate_limit_messages
-- per minute, msg_*) or 'sessions' (rate_limit_sessions per hour, ses_*), applied on top
-- of the general per-minute limit. p_tenant_id: when set, only a key of that tenant is
-- found (POST /keys/verify checks keys of the caller's tenant only).
--
-- outcome: 'ok' | 'not_found' | 'revoked' | 'inactive' | 'expired' | 'trial_expired' |
-- 'rate_limited' (limited_by 'general' | 'messages' | 'sessions') | 'spend_limit_exceeded'.
-- Identity, limits and spend columns are filled whenever the key was found.
CREATE FUNCTION platform_api_key_hit(
        p_hash bytea, p_now timestamptz, p_cost numeric DEFAULT 0, p_class text DEFAULT NULL,
        p_tenant_id uuid DEFAULT NULL)
    RETURNS TABLE (
        outcome text, limited_by text, retry_after_ms bigint,
        key_id uuid, tenant_id uuid, scopes text[], is_trial boolean, allowed_numbers text[],
        created_by_user_id uuid,
        rate_limit integer, rate_remaining integer, rate_reset timestamptz,
        class_limit integer, class_remaining integer, class_reset timestamptz,
        spend_used numeric, spend_limit numeric, spend_reset timestamptz, cost numeric)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    v_now       timestamptz := COALESCE(p_now, now());
    v_cost      numeric := COALESCE(p_cost, 0);
    v_minute    constant interval := interval '1 minute';
    v_hour      constant interval := interval '1 hour';
    v_rl_start  timestamptz;
    v_rl_w      double precision;
    v_msg_start timestamptz;
    v_msg_w     double precision;
    v_ses_start timestamptz;
    v_ses_w     double precision;
    v_row       api_keys%ROWTYPE;
    v_used      numeric;
    v_pstart    timestamptz;
    v_cur       integer;
    v_prev      integer;
BEGIN
    IF p_hash IS NULL OR v_cost < 0 OR (p_class IS NOT NULL AND p_class NOT IN ('messages', 'sessions')) THEN
        RAISE EXCEPTION 'platform_api_key_hit: hash required, cost >= 0, class NULL|messages|sessions'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- See the header: counters trade the last few hundred ms on a server crash for 3x
    -- throughput on a hot key. Transaction-local; the server calls this in autocommit.
    PERFORM set_config('synchronous_commit', 'off', true);

    v_rl_start  := date_bin(v_minute, v_now, timestamptz '1970-01-01 00:00:00+00');
    v_rl_w      := 1.0 - extract(epoch FROM (v_now - v_rl_start))::double precision / 60;
    v_msg_start := v_rl_start;
    v_msg_w     := v_rl_w;
    v_ses_start := date_bin(v_hour, v_now, timestamptz '1970-01-01 00:00:00+00');
    v_ses_w     := 1.0 - extract(epoch FROM (v_now - v_ses_start))::double precision / 3600;

    FOR pass IN 1..2 LOOP
        RETURN QUERY
        UPDATE api_keys k SET
            rl_window_start = GREATEST(k.rl_window_start, v_rl_start),
            rl_current  = api_key_window_current(k.rl_window_start, k.rl_current, v_rl_start) + 1,
            rl_previous = api_key_window_previous(k.rl_window_start, k.rl_current, k.rl_previous, v_rl_start, v_minute),
            msg_window_start = CASE WHEN p_class = 'messages' THEN GREATEST(k.msg_window_start, v_msg_start) ELSE k.msg_window_start END,
            msg_current  = CASE WHEN p_class = 'messages'
                                THEN api_key_window_current(k.msg_window_start, k.msg_current, v_msg_start) + 1
                                ELSE k.msg_current END,
            msg_previous = CASE WHEN p_class = 'messages'
                                THEN api_key_window_previous(k.msg_window_start, k.msg_current, k.msg_previous, v_msg_start, v_minute)
                                ELSE k.msg_previous END,
            ses_window_start = CASE WHEN p_class = 'sessions' THEN GREATEST(k.ses_window_start, v_ses_start) ELSE k.ses_window_start END,
            ses_current  = CASE WHEN p_class = 'sessions'
                                THEN api_key_window_current(k.ses_window_start, k.ses_current, v_ses_start) + 1
                                ELSE k.ses_current END,
            ses_previous = CASE WHEN p_class = 'sessions'
                                THEN api_key_window_previous(k.ses_window_start, k.ses_current, k.ses_previous, v_ses_start, v_hour)
                                ELSE k.ses_previous END,
            spend_period_start = api_key_period_current_start(k.spend_period, k.spend_period_start, v_now),
            spend_period_used  = api_key_period_used(k.spend_period, k.spend_period_start, k.spend_period_used, v_now) + v_cost,
            last_used_at = GREATEST(k.last_used_at, v_now)
        WHERE (k.key_hash = p_hash OR (k.previous_key_hash = p_hash AND k.previous_key_expires_at > v_now))
          AND (p_tenant_id IS NULL OR k.tenant_id = p_tenant_id)
          AND k.is_active AND k.revoked_at IS NULL
          AND (k.expires_at IS NULL OR k.expires_at > v_now)
          AND (NOT k.is_trial OR k.trial_expires_at > v_now)
          AND (k.rate_limit_rpm = 0
               OR api_key_window_estimate(k.rl_window_start, k.rl_current, k.rl_previous, v_rl_start, v_minute, v_rl_w) + 1
                  <= k.rate_limit_rpm)
          AND (p_class IS DISTINCT FROM 'messages' OR k.rate_limit_messages IS NULL
               OR api_key_window_estimate(k.msg_window_start, k.msg_current, k.msg_previous, v_msg_start, v_minute, v_msg_w) + 1
                  <= k.rate_limit_messages)
          AND (p_class IS DISTINCT FROM 'sessions' OR k.rate_limit_sessions IS NULL
               OR api_key_window_estimate(k.ses_window_start, k.ses_current, k.ses_previous, v_ses_start, v_hour, v_ses_w) + 1
                  <= k.rate_limit_sessions)
          -- Never past the cap: refused once used >= limit, and when this call would cross it.
          AND (k.spend_limit IS NULL
               OR (api_key_period_used(k.spend_period, k.spend_period_start, k.spend_period_used, v_now) < k.spend_limit
                   AND api_key_period_used(k.spend_period, k.spend_period_start, k.spend_period_used, v_now) + v_cost
                       <= k.spend_limit))
        RETURNING
            'ok'::text, NULL::text, 0::bigint,
            k.id, k.tenant_id, k.scopes, k.is_trial, k.allowed_numbers, k.created_by_user_id,
            k.rate_limit_rpm,
            GREATEST(0, floor(k.rate_limit_rpm
                - api_key_window_estimate(k.rl_window_start, k.rl_current, k.rl_previous, v_rl_start, v_minute, v_rl_w)))::integer,
            v_rl_start + v_minute,
            CASE p_class WHEN 'messages' THEN k.rate_limit_messages WHEN 'sessions' THEN k.rate_limit_sessions END,
            CASE p_class
                WHEN 'messages' THEN GREATEST(0, floor(k.rate_limit_messages
                    - api_key_window_estimate(k.msg_window_start, k.msg_current, k.msg_previous, v_msg_start, v_minute, v_msg_w)))::integer
                WHEN 'sessions' THEN GREATEST(0, floor(k.rate_limit_sessions
                    - api_key_window_estimate(k.ses_window_start, k.ses_current, k.ses_previous, v_ses_start, v_hour, v_ses_w)))::integer
            END,
            CASE p_class WHEN 'messages' THEN v_msg_start + v_minute WHEN 'sessions' THEN v_ses_start + v_hour END,
            k.spend_period_used, k.spend_limit, api_key_period_end(k.spend_period, k.spend_period_start), v_cost;
        IF FOUND THEN
            RETURN;
        END IF;

        -- Refused (or unknown): read the row to say why. Nothing is written.
        SELECT * INTO v_row
          FROM api_keys k
         WHERE (k.key_hash = p_hash OR (k.previous_key_hash = p_hash AND k.previous_key_expires_at > v_now))
           AND (p_tenant_id IS NULL OR k.tenant_id = p_tenant_id)
         LIMIT 1;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'not_found'::text, NULL::text, 0::bigint,
                NULL::uuid, NULL::uuid, NULL::text[], NULL::boolean, NULL::text[], NULL::uuid,
                NULL::integer, NULL::integer, NULL::timestamptz, NULL::integer, NULL::integer, NULL::timestamptz,
                NULL::numeric, NULL::numeric, NULL::timestamptz, 0::numeric;
            RETURN;
        END IF;

        v_used   := api_key_period_used(v_row.spend_period, v_row.spend_period_start, v_row.spend_period_used, v_now);
        v_pstart := api_key_period_current_start(v_row.spend_period, v_row.spend_period_start, v_now);
        outcome := NULL; limited_by := NULL; retry_after_ms := 0;
        class_limit := NULL; class_remaining := NULL; class_reset := NULL;

        v_cur  := api_key_window_current(v_row.rl_window_start, v_row.rl_current, v_rl_start);
        v_prev := api_key_window_previous(v_row.rl_window_start, v_row.rl_current, v_row.rl_previous, v_rl_start, v_minute);
        rate_remaining := CASE WHEN v_row.rate_limit_rpm = 0 THEN 0 ELSE GREATEST(0, floor(v_row.rate_limit_rpm
            - api_key_window_estimate(v_row.rl_window_start, v_row.rl_current, v_row.rl_previous, v_rl_start, v_minute, v_rl_w)))::integer END;

        IF v_row.revoked_at IS NOT NULL THEN
            outcome := 'revoked';
        ELSIF NOT v_row.is_active THEN
            outcome := 'inactive';
        ELSIF v_row.expires_at IS NOT NULL AND v_row.expires_at <= v_now THEN
            outcome := 'expired';
        ELSIF v_row.is_trial AND NOT (v_row.trial_expires_at > v_now) THEN
            outcome := 'trial_expired';
        ELSIF v_row.rate_limit_rpm > 0
              AND api_key_window_estimate(v_row.rl_window_start, v_row.rl_current, v_row.rl_previous, v_rl_start, v_minute, v_rl_w) + 1
                  > v_row.rate_limit_rpm THEN
            outcome := 'rate_limited'; limited_by := 'general';
            retry_after_ms := api_key_window_retry_ms(v_cur, v_prev, v_row.rate_limit_rpm, v_rl_start, v_minute, v_now);
        ELSIF p_class = 'messages' AND v_row.rate_limit_messages IS NOT NULL
              AND api_key_window_estimate(v_row.msg_window_start, v_row.msg_current, v_row.msg_previous, v_msg_start, v_minute, v_msg_w) + 1
                  > v_row.rate_limit_messages THEN
            outcome := 'rate_limited'; limited_by := 'messages';
            class_limit := v_row.rate_limit_messages; class_remaining := 0; class_reset := v_msg_start + v_minute;
            retry_after_ms := api_key_window_retry_ms(
                api_key_window_current(v_row.msg_window_start, v_row.msg_current, v_msg_start),
                api_key_window_previous(v_row.msg_window_start, v_row.msg_current, v_row.msg_previous, v_msg_start, v_minute),
                v_row.rate_limit_messages, v_msg_start, v_minute, v_now);
        ELSIF p_class = 'sessions' AND v_row.rate_limit_sessions IS NOT NULL
              AND api_key_window_estimate(v_row.ses_window_start, v_row.ses_current, v_row.ses_previous, v_ses_start, v_hour, v_ses_w) + 1
                  > v_row.rate_limit_sessions THEN
            outcome := 'rate_limited'; limited_by := 'sessions';
            class_limit := v_row.rate_limit_sessions; class_remaining := 0; class_reset := v_ses_start + v_hour;
            retry_after_ms := api_key_window_retry_ms(
                api_key_window_current(v_row.ses_window_start, v_row.ses_current, v_ses_start),
                api_key_window_previous(v_row.ses_window_start, v_row.ses_current, v_row.ses_previous, v_ses_start, v_hour),
                v_row.rate_limit_sessions, v_ses_start, v_hour, v_now);
        ELSIF v_row.spend_limit IS NOT NULL AND (v_used >= v_row.spend_limit OR v_used + v_cost > v_row.spend_limit) THEN
            outcome := 'spend_limit_exceeded';
        ELSIF pass = 2 THEN
            -- The row changed between the two statements twice in a row: refuse, retry soon.
            outcome := 'rate_limited'; limited_by := 'general'; retry_after_ms := 1000;
        END IF;

        IF outcome IS NOT NULL THEN
            key_id := v_row.id; tenant_id := v_row.tenant_id; scopes := v_row.scopes;
            is_trial := v_row.is_trial; allowed_numbers := v_row.allowed_numbers;
            created_by_user_id := v_row.created_by_user_id;
            rate_limit := v_row.rate_limit_rpm; rate_reset := v_rl_start + v_minute;
            spend_used := v_used; spend_limit := v_row.spend_limit;
            spend_reset := api_key_period_end(v_row.spend_period, v_pstart);
            cost := 0;
            RETURN NEXT;
            RETURN;
        END IF;
        -- Admissible now (the row changed after the UPDATE looked): try once more.
    END LOOP;
END
$$;

------------------------------------------------------------------------------------------
-- Privileges: hand the function to gatehouse_platform, as 0001 does.
------------------------------------------------------------------------------------------

-- The platform role may write exactly the hot path's columns (0001 grants it SELECT).
GRANT UPDATE (rl_window_start, rl_current, rl_previous,
              msg_window_start, msg_current, msg_previous,
              ses_window_start, ses_current, ses_previous,
              spend_period_start, spend_period_used, last_used_at)
    ON api_keys TO gatehouse_platform;

-- The helpers are pure; the platform function (and the server's own queries) call them.
DO $helpers$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace
           AND (p.proname LIKE 'api\_key\_window\_%' OR p.proname LIKE 'api\_key\_period\_%')
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO gatehouse_app, gatehouse_platform', f);
    END LOOP;
END
$helpers$;

DO $lend_create$
BEGIN
    IF NOT pg_catalog.has_schema_privilege('gatehouse_platform', 'public', 'CREATE') THEN
        GRANT CREATE ON SCHEMA public TO gatehouse_platform;
    END IF;
END
$lend_create$;

ALTER FUNCTION platform_api_key_hit(bytea, timestamptz, numeric, text, uuid) OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_api_key_hit(bytea, timestamptz, numeric, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_api_key_hit(bytea, timestamptz, numeric, text, uuid) TO gatehouse_app;

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;
