-- 0022_meter_signed_in_calls.sql
--
-- Issue #8 (item 4): calls made with a user's access token (JWT) to a priced operation
-- (`POST /messages` by default) are metered to the tenant's usage like key calls: they go into
-- usage_log and the usage_daily rollups with no key (api_key_id NULL), so the tenant's
-- api_calls and cost (GET /usage/*) count them, while per-key figures do not.
--
-- usage_daily's key becomes a UNIQUE NULLS NOT DISTINCT constraint (PostgreSQL 15), so the
-- key-less rows of a tenant, day, endpoint and model roll up into one row like any key's.
-- platform_usage_append (0010) keeps writing only rows whose key is the named tenant's own,
-- and now also rows without a key (replaced in place: owner and grants stay).

ALTER TABLE usage_log ALTER COLUMN api_key_id DROP NOT NULL;

ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_pkey;
ALTER TABLE usage_daily ALTER COLUMN api_key_id DROP NOT NULL;
ALTER TABLE usage_daily ADD CONSTRAINT usage_daily_key
    UNIQUE NULLS NOT DISTINCT (tenant_id, api_key_id, day, endpoint, model);

ALTER TABLE usage_dead_letters ALTER COLUMN api_key_id DROP NOT NULL;

CREATE OR REPLACE FUNCTION platform_usage_append(
        p_tenant_ids uuid[],
        p_key_ids uuid[],
        p_endpoints text[],
        p_status_codes integer[],
        p_costs numeric[],
        p_tokens_in integer[],
        p_tokens_out integer[],
        p_models text[],
        p_durations_ms integer[],
        p_created_at timestamptz[])
    RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH given AS (
        SELECT r.*
          FROM unnest(p_tenant_ids, p_key_ids, p_endpoints, p_status_codes, p_costs, p_tokens_in,
                      p_tokens_out, p_models, p_durations_ms, p_created_at)
               AS r(tenant_id, api_key_id, endpoint, status_code, cost, tokens_in, tokens_out, model,
                    duration_ms, created_at)
    ), owned AS (
        -- Only rows whose key is the stated tenant's own; a row without a key is a signed-in
        -- user's call (its tenant comes from a verified access token).
        SELECT g.*
          FROM given g
         WHERE g.api_key_id IS NULL
            OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = g.api_key_id AND k.tenant_id = g.tenant_id)
    ), logged AS (
        INSERT INTO usage_log (tenant_id, api_key_id, endpoint, status_code, cost, tokens_in, tokens_out,
                               model, duration_ms, created_at)
        SELECT o.tenant_id, o.api_key_id, o.endpoint, o.status_code, o.cost, o.tokens_in, o.tokens_out,
               NULLIF(o.model, ''), o.duration_ms, o.created_at
          FROM owned o
        RETURNING 1
    ), rolled AS (
        INSERT INTO usage_daily AS d (tenant_id, api_key_id, day, endpoint, model, calls, cost, tokens_in, tokens_out)
        SELECT o.tenant_id, o.api_key_id, (o.created_at AT TIME ZONE 'UTC')::date, o.endpoint,
               COALESCE(o.model, ''), count(*), sum(o.cost), sum(o.tokens_in), sum(o.tokens_out)
          FROM owned o
         GROUP BY 1, 2, 3, 4, 5
         ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (tenant_id, api_key_id, day, endpoint, model) DO UPDATE SET
            calls = d.calls + EXCLUDED.calls,
            cost = d.cost + EXCLUDED.cost,
            tokens_in = d.tokens_in + EXCLUDED.tokens_in,
            tokens_out = d.tokens_out + EXCLUDED.tokens_out
    )
    -- Both inserts run to completion whether or not their output is read.
    SELECT count(*)::integer FROM logged
$$;
