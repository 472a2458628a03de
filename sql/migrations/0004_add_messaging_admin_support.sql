-- 0004_add_messaging_admin_support.sql
--
-- Issue #5: indexes for the messaging channel's limit checks, and two admin platform
-- functions. Each limit check runs inside the creating transaction while the tenant's row is
-- locked FOR UPDATE, so it must be cheap:
--
--   * POST /sessions counts the tenant's live sessions (plan `max_sessions`) and the key's
--     live sessions (key `max_sessions`): a partial index over live sessions only, so
--     deleted sessions (kept for history) do not grow the scan.
--   * POST /messages counts the tenant's outbound messages of the current calendar month
--     (plan `max_messages_per_month`): a partial index over outbound messages by time.
--
-- Plain CREATE INDEX (not CONCURRENTLY): migrations run inside one transaction.

CREATE INDEX messaging_sessions_tenant_key_live_idx
    ON messaging_sessions (tenant_id, api_key_id)
    WHERE state <> 'deleted';

CREATE INDEX messaging_sessions_tenant_live_created_idx
    ON messaging_sessions (tenant_id, created_at DESC, id DESC)
    WHERE state <> 'deleted';

CREATE INDEX messages_tenant_outbound_created_idx
    ON messages (tenant_id, created_at)
    WHERE direction = 'outbound';

------------------------------------------------------------------------------------------
-- GET /admin/usage `keys_by_type`: trial keys counted as `trial`, not under the type they
-- are stored with (0001's platform_admin_usage_totals groups by the stored type only).
-- Same hand-over pattern as 0001: owned by gatehouse_platform, executable by the server.
------------------------------------------------------------------------------------------

CREATE FUNCTION platform_admin_key_type_counts()
    RETURNS TABLE (standard bigint, premium bigint, trial bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT count(*) FILTER (WHERE NOT k.is_trial AND k.type = 'standard'),
           count(*) FILTER (WHERE NOT k.is_trial AND k.type = 'premium'),
           count(*) FILTER (WHERE k.is_trial)
      FROM api_keys k
$$;

-- GET /admin/api-keys?type=standard|premium must not list trial keys (they are stored as
-- `standard` with is_trial): 0001's platform_admin_list_api_keys filters by the stored type
-- only. Same columns and keyset pagination, with the type read as the API shows it.
CREATE FUNCTION platform_admin_list_keys(
        p_include_inactive boolean,
        p_type text,
        p_limit integer,
        p_after_created_at timestamptz DEFAULT NULL,
        p_after_id uuid DEFAULT NULL)
    RETURNS TABLE (
        id uuid, tenant_id uuid, name text, key_prefix text, type text,
        is_admin boolean, is_active boolean, is_trial boolean, trial_expires_at timestamptz,
        allowed_numbers text[], rate_limit_rpm integer, rate_limit_messages integer,
        rate_limit_sessions integer, max_sessions integer, metadata jsonb, managed boolean,
        messages_sent bigint, sessions_created bigint, expires_at timestamptz,
        revoked_at timestamptz, created_at timestamptz, last_used_at timestamptz,
        sessions_total bigint, sessions_active bigint, session_messages_sent bigint,
        session_messages_received bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT k.id, k.tenant_id, k.name, k.key_prefix, k.type,
           k.is_admin, k.is_active, k.is_trial, k.trial_expires_at,
           k.allowed_numbers, k.rate_limit_rpm, k.rate_limit_messages,
           k.rate_limit_sessions, k.max_sessions, k.metadata, k.managed,
           k.messages_sent, k.sessions_created, k.expires_at,
           k.revoked_at, k.created_at, k.last_used_at,
           COALESCE(s.total, 0), COALESCE(s.active, 0),
           COALESCE(s.sent, 0), COALESCE(s.received, 0)
      FROM api_keys k
      LEFT JOIN LATERAL (
            SELECT count(*) AS total,
                   count(*) FILTER (WHERE ms.state <> 'deleted') AS active,
                   sum(ms.messages_sent)::bigint AS sent,
                   sum(ms.messages_received)::bigint AS received
              FROM messaging_sessions ms
             WHERE ms.tenant_id = k.tenant_id AND ms.api_key_id = k.id) s ON true
     WHERE (p_include_inactive OR (k.is_active AND k.revoked_at IS NULL))
       AND (p_type IS NULL
            OR (p_type = 'trial' AND k.is_trial)
            OR (p_type <> 'trial' AND NOT k.is_trial AND k.type = p_type))
       AND (p_after_created_at IS NULL
            OR (k.created_at, k.id) > (p_after_created_at, COALESCE(p_after_id, '00000000-0000-0000-0000-000000000000'::uuid)))
     ORDER BY k.created_at, k.id
     LIMIT LEAST(GREATEST(COALESCE(p_limit, 50), 1), 1000)
$$;

DO $lend_create$
BEGIN
    IF NOT pg_catalog.has_schema_privilege('gatehouse_platform', 'public', 'CREATE') THEN
        GRANT CREATE ON SCHEMA public TO gatehouse_platform;
    END IF;
END
$lend_create$;

ALTER FUNCTION platform_admin_key_type_counts() OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_admin_key_type_counts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_admin_key_type_counts() TO gatehouse_app;

ALTER FUNCTION platform_admin_list_keys(boolean, text, integer, timestamptz, uuid) OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_admin_list_keys(boolean, text, integer, timestamptz, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_admin_list_keys(boolean, text, integer, timestamptz, uuid) TO gatehouse_app;

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;
