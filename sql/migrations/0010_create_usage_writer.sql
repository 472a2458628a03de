-- 0010_create_usage_writer.sql
--
-- Issues #8 (item 1) and #10 (item 6): the usage writer.
--
--   * platform_usage_append writes one batch of the server's own usage records, for any
--     number of tenants, in one statement: the rows travel as parallel arrays, go into
--     usage_log, and are summed per tenant x key x UTC day x endpoint x model into the
--     usage_daily rollups (upserted in conflict-key order, so two replicas flushing at once
--     cannot deadlock). A row is written only when its key belongs to the tenant it names;
--     other rows are skipped (the count written is returned).
--   * usage_dead_letters keeps the records that fail on their own (a value the columns
--     cannot hold), with the error, so that one bad record never stops the others. The
--     server bisects a failing batch down to those records. Platform table: only
--     platform_usage_set_aside writes it; operators read it as the owner.
--
-- Same hand-over pattern as 0001: owned by gatehouse_platform, executable by the server.

CREATE TABLE usage_dead_letters (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL,          -- no foreign key: kept for the operator as it came
    api_key_id  uuid NOT NULL,
    entry       text NOT NULL,          -- the record as JSON text (NUL characters escaped)
    error       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_dead_letters_created_idx ON usage_dead_letters (created_at);

ALTER TABLE usage_dead_letters ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_dead_letters FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_access ON usage_dead_letters TO gatehouse_platform USING (true) WITH CHECK (true);
GRANT INSERT ON usage_dead_letters TO gatehouse_platform;

-- The writer reaches usage rows of every tenant, and only these two tables.
CREATE POLICY platform_access ON usage_log TO gatehouse_platform USING (true) WITH CHECK (true);
CREATE POLICY platform_access ON usage_daily TO gatehouse_platform USING (true) WITH CHECK (true);
GRANT INSERT ON usage_log TO gatehouse_platform;
GRANT SELECT, INSERT, UPDATE ON usage_daily TO gatehouse_platform;

CREATE FUNCTION platform_usage_append(
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
        -- Only rows whose key is the stated tenant's own.
        SELECT g.*
          FROM given g
          JOIN api_keys k ON k.id = g.api_key_id AND k.tenant_id = g.tenant_id
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

CREATE FUNCTION platform_usage_set_aside(p_tenant_id uuid, p_api_key_id uuid, p_entry text, p_error text)
    RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    INSERT INTO usage_dead_letters (tenant_id, api_key_id, entry, error)
    VALUES (p_tenant_id, p_api_key_id, left(p_entry, 16384), left(p_error, 2048))
$$;

DO $lend_create$
BEGIN
    IF NOT pg_catalog.has_schema_privilege('gatehouse_platform', 'public', 'CREATE') THEN
        GRANT CREATE ON SCHEMA public TO gatehouse_platform;
    END IF;
END
$lend_create$;

ALTER FUNCTION platform_usage_append(uuid[], uuid[], text[], integer[], numeric[], integer[], integer[], text[],
                                     integer[], timestamptz[]) OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_usage_append(uuid[], uuid[], text[], integer[], numeric[], integer[], integer[], text[],
                                             integer[], timestamptz[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_usage_append(uuid[], uuid[], text[], integer[], numeric[], integer[], integer[], text[],
                                                integer[], timestamptz[]) TO gatehouse_app;

ALTER FUNCTION platform_usage_set_aside(uuid, uuid, text, text) OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_usage_set_aside(uuid, uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_usage_set_aside(uuid, uuid, text, text) TO gatehouse_app;

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;
