-- 0070_make_api_key_hit_inlinable.sql
--
-- The same hot path as 0003 (same arguments, same answers), made cheap:
--
-- * The helpers are declared STABLE. 0003 declared them IMMUTABLE around STABLE operators
--   (timestamptz +/- interval, date_trunc with a zone), and the planner refuses to inline an
--   IMMUTABLE SQL function whose body is not immutable, so every hit ran 5-6 separate SQL
--   function calls, each planned afresh. STABLE is what the bodies are, and a STABLE SQL
--   function made of one SELECT expression is inlined into the statement that calls it.
-- * The key is found by one probe of the unique index on key_hash. 0003's
--   `key_hash = $1 OR previous_key_hash = $1` was a BitmapOr over two indexes on every hit.
--   The previous secret of a rotation is looked up only when key_hash misses, and then the
--   same UPDATE runs again with the key's current hash.
-- * Nothing is computed twice: the window starts and weights once per call; in the UPDATE
--   the period's usage once per check (api_key_spend_fits); on a refusal each window
--   estimate once.
--
-- Kept from 0003, on purpose:
-- * Exactness: every SET and WHERE expression of the UPDATE reads only the target row's own
--   columns plus parameters, so concurrent hits on one key serialise on its row lock and each
--   sees every earlier one (READ COMMITTED re-evaluates them on the newest row version).
--   PL/pgSQL takes a fresh snapshot per statement, so the refusal read sees at least what the
--   UPDATE saw.
-- * synchronous_commit = off for the hit's own transaction (see 0003 for the trade-off).
-- * A refused request matches no row and changes nothing.

------------------------------------------------------------------------------------------
-- Helpers: STABLE, single-expression SQL, so the planner inlines them.
------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION api_key_window_current(p_ws timestamptz, p_cur integer, p_start timestamptz)
    RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN p_ws >= p_start THEN p_cur ELSE 0 END $$;

CREATE OR REPLACE FUNCTION api_key_window_previous(
        p_ws timestamptz, p_cur integer, p_prev integer, p_start timestamptz, p_window interval)
    RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN p_ws >= p_start THEN p_prev
                WHEN p_ws = p_start - p_window THEN p_cur
                ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION api_key_window_estimate(
        p_ws timestamptz, p_cur integer, p_prev integer, p_start timestamptz, p_window interval,
        p_weight double precision)
    RETURNS double precision
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT api_key_window_previous(p_ws, p_cur, p_prev, p_start, p_window)::double precision
           * (CASE WHEN p_ws > p_start THEN 1.0 ELSE p_weight END)
         + api_key_window_current(p_ws, p_cur, p_start)
$$;

CREATE OR REPLACE FUNCTION api_key_window_retry_ms(
        p_cur integer, p_prev integer, p_limit integer, p_start timestamptz, p_window interval,
        p_now timestamptz)
    RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT GREATEST(1, ceil(1000 * extract(epoch FROM (
               CASE WHEN p_cur + 1 <= p_limit AND p_prev > 0
                    THEN p_start + p_window * (1.0 - (p_limit - 1 - p_cur)::double precision / p_prev)
                    ELSE p_start + p_window
                         + p_window * GREATEST(0.0, 1.0 - (p_limit - 1)::double precision / GREATEST(p_cur, 1))
               END - p_now))))::bigint
$$;

CREATE OR REPLACE FUNCTION api_key_period_start(p_period text, p_at timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_period
               WHEN 'day' THEN date_trunc('day', p_at, 'UTC')
               WHEN 'week' THEN date_trunc('week', p_at, 'UTC')
               WHEN 'month' THEN date_trunc('month', p_at, 'UTC')
               ELSE '-infinity'::timestamptz
           END
$$;

CREATE OR REPLACE FUNCTION api_key_period_current_start(p_period text, p_stored timestamptz, p_at timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN p_period = 'forever' THEN COALESCE(p_stored, p_at)
                ELSE GREATEST(p_stored, api_key_period_start(p_period, p_at)) END
$$;

CREATE OR REPLACE FUNCTION api_key_period_used(p_period text, p_stored timestamptz, p_used numeric, p_at timestamptz)
    RETURNS numeric
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN p_period = 'forever' OR p_stored >= api_key_period_start(p_period, p_at)
                THEN p_used ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION api_key_period_end(p_period text, p_start timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_period
               WHEN 'day' THEN p_start + interval '1 day'
               WHEN 'week' THEN p_start + interval '7 days'
               WHEN 'month' THEN p_start + interval '1 month'
           END
$$;

-- Whether a call costing p_cost fits the cap: never past it, and nothing more once it is
-- reached (a free call is refused at the cap too). The period's usage is computed once.
CREATE FUNCTION api_key_spend_fits(
        p_period text, p_stored timestamptz, p_used numeric, p_limit numeric, p_cost numeric, p_at timestamptz)
    RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT p_limit IS NULL
        OR CASE WHEN p_cost > 0 THEN api_key_period_used(p_period, p_stored, p_used, p_at) + p_cost <= p_limit
                ELSE api_key_period_used(p_period, p_stored, p_used, p_at) < p_limit END
$$;

REVOKE ALL ON FUNCTION api_key_spend_fits(text, timestamptz, numeric, numeric, numeric, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_key_spend_fits(text, timestamptz, numeric, numeric, numeric, timestamptz)
    TO gatehouse_app, gatehouse_platform;

------------------------------------------------------------------------------------------
-- The hot path (arguments and answers as documented in 0003).
------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION platform_api_key_hit(
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
    -- The windows as of v_now: bucket starts and the previous bucket's remaining weight.
    v_rl_start  timestamptz := date_bin(v_minute, v_now, timestamptz '1970-01-01 00:00:00+00');
    v_rl_w      double precision := 1.0 - extract(epoch FROM (v_now - v_rl_start))::double precision / 60;
    v_ses_start timestamptz := date_bin(v_hour, v_now, timestamptz '1970-01-01 00:00:00+00');
    v_ses_w     double precision := 1.0 - extract(epoch FROM (v_now - v_ses_start))::double precision / 3600;
    -- The hash the UPDATE looks for: the presented one, or the key's current one when the
    -- presented secret is the previous one of a rotation still in its grace.
    v_hash      bytea := p_hash;
    v_fell_back boolean := false;
    v_retried   boolean := false;
    v_row       api_keys%ROWTYPE;
    v_est       double precision;
    v_cls_limit integer;
    v_cls_ws    timestamptz;
    v_cls_cur   integer;
    v_cls_prev  integer;
    v_cls_start timestamptz;
    v_cls_win   interval;
    v_cls_w     double precision;
BEGIN
    IF p_hash IS NULL OR v_cost < 0 OR (p_class IS NOT NULL AND p_class NOT IN ('messages', 'sessions')) THEN
        RAISE EXCEPTION 'platform_api_key_hit: hash required, cost >= 0, class NULL|messages|sessions'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- See 0003: counters trade the last few hundred ms on a server crash for ~3x throughput
    -- on a hot key. Transaction-local; the server calls this in autocommit.
    PERFORM set_config('synchronous_commit', 'off', true);

    LOOP
        RETURN QUERY
        UPDATE api_keys k SET
            rl_window_start = GREATEST(k.rl_window_start, v_rl_start),
            rl_current  = api_key_window_current(k.rl_window_start, k.rl_current, v_rl_start) + 1,
            rl_previous = api_key_window_previous(k.rl_window_start, k.rl_current, k.rl_previous, v_rl_start, v_minute),
            msg_window_start = CASE WHEN p_class = 'messages' THEN GREATEST(k.msg_window_start, v_rl_start) ELSE k.msg_window_start END,
            msg_current  = CASE WHEN p_class = 'messages'
                                THEN api_key_window_current(k.msg_window_start, k.msg_current, v_rl_start) + 1
                                ELSE k.msg_current END,
            msg_previous = CASE WHEN p_class = 'messages'
                                THEN api_key_window_previous(k.msg_window_start, k.msg_current, k.msg_previous, v_rl_start, v_minute)
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
        WHERE k.key_hash = v_hash
          AND (p_tenant_id IS NULL OR k.tenant_id = p_tenant_id)
          AND k.is_active AND k.revoked_at IS NULL
          AND (k.expires_at IS NULL OR k.expires_at > v_now)
          AND (NOT k.is_trial OR k.trial_expires_at > v_now)
          AND (k.rate_limit_rpm = 0
               OR api_key_window_estimate(k.rl_window_start, k.rl_current, k.rl_previous, v_rl_start, v_minute, v_rl_w) + 1
                  <= k.rate_limit_rpm)
          AND (p_class IS DISTINCT FROM 'messages' OR k.rate_limit_messages IS NULL
               OR api_key_window_estimate(k.msg_window_start, k.msg_current, k.msg_previous, v_rl_start, v_minute, v_rl_w) + 1
                  <= k.rate_limit_messages)
          AND (p_class IS DISTINCT FROM 'sessions' OR k.rate_limit_sessions IS NULL
               OR api_key_window_estimate(k.ses_window_start, k.ses_current, k.ses_previous, v_ses_start, v_hour, v_ses_w) + 1
                  <= k.rate_limit_sessions)
          AND api_key_spend_fits(k.spend_period, k.spend_period_start, k.spend_period_used, k.spend_limit, v_cost, v_now)
        -- RETURNING reads the row as written: these estimates include this hit.
        RETURNING
            'ok'::text AS outcome, NULL::text AS limited_by, 0::bigint AS retry_after_ms,
            k.id AS key_id, k.tenant_id AS tenant_id, k.scopes AS scopes, k.is_trial AS is_trial,
            k.allowed_numbers AS allowed_numbers, k.created_by_user_id AS created_by_user_id,
            k.rate_limit_rpm AS rate_limit,
            GREATEST(0, floor(k.rate_limit_rpm
                - api_key_window_estimate(k.rl_window_start, k.rl_current, k.rl_previous, v_rl_start, v_minute, v_rl_w)))::integer
                AS rate_remaining,
            v_rl_start + v_minute AS rate_reset,
            CASE p_class WHEN 'messages' THEN k.rate_limit_messages WHEN 'sessions' THEN k.rate_limit_sessions END
                AS class_limit,
            CASE p_class
                WHEN 'messages' THEN GREATEST(0, floor(k.rate_limit_messages
                    - api_key_window_estimate(k.msg_window_start, k.msg_current, k.msg_previous, v_rl_start, v_minute, v_rl_w)))::integer
                WHEN 'sessions' THEN GREATEST(0, floor(k.rate_limit_sessions
                    - api_key_window_estimate(k.ses_window_start, k.ses_current, k.ses_previous, v_ses_start, v_hour, v_ses_w)))::integer
            END AS class_remaining,
            CASE p_class WHEN 'messages' THEN v_rl_start + v_minute WHEN 'sessions' THEN v_ses_start + v_hour END
                AS class_reset,
            k.spend_period_used AS spend_used, k.spend_limit AS spend_limit,
            api_key_period_end(k.spend_period, k.spend_period_start) AS spend_reset, v_cost AS cost;
        IF FOUND THEN
            RETURN;
        END IF;

        -- Refused, or no key has this hash: read the row to say why. Nothing is written.
        SELECT * INTO v_row
          FROM api_keys k
         WHERE k.key_hash = v_hash
           AND (p_tenant_id IS NULL OR k.tenant_id = p_tenant_id);
        IF NOT FOUND THEN
            -- Only now: is it the previous secret of a key rotated within its grace?
            IF NOT v_fell_back THEN
                v_fell_back := true;
                SELECT k.key_hash INTO v_hash
                  FROM api_keys k
                 WHERE k.previous_key_hash = p_hash AND k.previous_key_expires_at > v_now
                   AND (p_tenant_id IS NULL OR k.tenant_id = p_tenant_id);
                IF FOUND THEN
                    CONTINUE;
                END IF;
            END IF;
            RETURN QUERY SELECT 'not_found'::text, NULL::text, 0::bigint,
                NULL::uuid, NULL::uuid, NULL::text[], NULL::boolean, NULL::text[], NULL::uuid,
                NULL::integer, NULL::integer, NULL::timestamptz, NULL::integer, NULL::integer, NULL::timestamptz,
                NULL::numeric, NULL::numeric, NULL::timestamptz, 0::numeric;
            RETURN;
        END IF;

        outcome := NULL; limited_by := NULL; retry_after_ms := 0;
        class_limit := NULL; class_remaining := NULL; class_reset := NULL;
        v_est := api_key_window_estimate(v_row.rl_window_start, v_row.rl_current, v_row.rl_previous, v_rl_start, v_minute, v_rl_w);
        rate_remaining := CASE WHEN v_row.rate_limit_rpm = 0 THEN 0
                               ELSE GREATEST(0, floor(v_row.rate_limit_rpm - v_est))::integer END;

        IF v_row.revoked_at IS NOT NULL THEN
            outcome := 'revoked';
        ELSIF NOT v_row.is_active THEN
            outcome := 'inactive';
        ELSIF v_row.expires_at IS NOT NULL AND v_row.expires_at <= v_now THEN
            outcome := 'expired';
        ELSIF v_row.is_trial AND NOT (v_row.trial_expires_at > v_now) THEN
            outcome := 'trial_expired';
        ELSIF v_row.rate_limit_rpm > 0 AND v_est + 1 > v_row.rate_limit_rpm THEN
            outcome := 'rate_limited'; limited_by := 'general';
            retry_after_ms := api_key_window_retry_ms(
                api_key_window_current(v_row.rl_window_start, v_row.rl_current, v_rl_start),
                api_key_window_previous(v_row.rl_window_start, v_row.rl_current, v_row.rl_previous, v_rl_start, v_minute),
                v_row.rate_limit_rpm, v_rl_start, v_minute, v_now);
        ELSIF p_class IS NOT NULL THEN
            -- The extra class of this call (messages per minute or sessions per hour).
            IF p_class = 'messages' THEN
                v_cls_limit := v_row.rate_limit_messages; v_cls_ws := v_row.msg_window_start;
                v_cls_cur := v_row.msg_current; v_cls_prev := v_row.msg_previous;
                v_cls_start := v_rl_start; v_cls_win := v_minute; v_cls_w := v_rl_w;
            ELSE
                v_cls_limit := v_row.rate_limit_sessions; v_cls_ws := v_row.ses_window_start;
                v_cls_cur := v_row.ses_current; v_cls_prev := v_row.ses_previous;
                v_cls_start := v_ses_start; v_cls_win := v_hour; v_cls_w := v_ses_w;
            END IF;
            IF v_cls_limit IS NOT NULL
               AND api_key_window_estimate(v_cls_ws, v_cls_cur, v_cls_prev, v_cls_start, v_cls_win, v_cls_w) + 1 > v_cls_limit THEN
                outcome := 'rate_limited'; limited_by := p_class;
                class_limit := v_cls_limit; class_remaining := 0; class_reset := v_cls_start + v_cls_win;
                retry_after_ms := api_key_window_retry_ms(
                    api_key_window_current(v_cls_ws, v_cls_cur, v_cls_start),
                    api_key_window_previous(v_cls_ws, v_cls_cur, v_cls_prev, v_cls_start, v_cls_win),
                    v_cls_limit, v_cls_start, v_cls_win, v_now);
            END IF;
        END IF;
        IF outcome IS NULL
           AND NOT api_key_spend_fits(v_row.spend_period, v_row.spend_period_start, v_row.spend_period_used,
                                      v_row.spend_limit, v_cost, v_now) THEN
            outcome := 'spend_limit_exceeded';
        END IF;
        IF outcome IS NULL AND v_retried THEN
            -- The row changed between the two statements twice in a row: refuse, retry soon.
            outcome := 'rate_limited'; limited_by := 'general'; retry_after_ms := 1000;
        END IF;

        IF outcome IS NOT NULL THEN
            key_id := v_row.id; tenant_id := v_row.tenant_id; scopes := v_row.scopes;
            is_trial := v_row.is_trial; allowed_numbers := v_row.allowed_numbers;
            created_by_user_id := v_row.created_by_user_id;
            rate_limit := v_row.rate_limit_rpm; rate_reset := v_rl_start + v_minute;
            spend_used := api_key_period_used(v_row.spend_period, v_row.spend_period_start, v_row.spend_period_used, v_now);
            spend_limit := v_row.spend_limit;
            spend_reset := api_key_period_end(v_row.spend_period,
                api_key_period_current_start(v_row.spend_period, v_row.spend_period_start, v_now));
            cost := 0;
            RETURN NEXT;
            RETURN;
        END IF;
        -- Admissible now (the row changed after the UPDATE looked): try once more.
        v_retried := true;
    END LOOP;
END
$$;
