-- 0020_check_key_scopes_before_hit.sql
--
-- Issue #8 (item 4): no work before authorization. platform_api_key_hit charges the call
-- (rate windows, spend) as soon as the key is usable; the operation's scopes were checked
-- only afterwards, in the server, so a call refused with 403 insufficient_scope was billed
-- and counted against the key's rate limit.
--
-- platform_api_key_authorized_hit takes the scopes the operation requires (known before
-- the hit: they are declared in openapi.yaml) and checks them first, in the same statement:
-- a usable key that lacks one is answered 'insufficient_scope', with its identity and no
-- limit or spend columns, and nothing is written (no counter, no last_used_at). Otherwise
-- it is exactly platform_api_key_hit (which later migrations may make faster; this wraps
-- whatever version is current). A key that is unknown, revoked, inactive, expired or out of
-- trial is left to platform_api_key_hit, so it is still answered 401 rather than 403.
--
-- The scope check reads the key by its current hash (one probe of the unique index), and
-- by the previous hash only when that misses (a rotation's grace), like the hit itself.

CREATE FUNCTION platform_api_key_authorized_hit(
        p_hash bytea, p_now timestamptz, p_cost numeric, p_class text, p_tenant_id uuid,
        p_required_scopes text[])
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
    v_now timestamptz := COALESCE(p_now, now());
    v_key api_keys%ROWTYPE;
BEGIN
    IF cardinality(p_required_scopes) > 0 THEN
        SELECT * INTO v_key FROM api_keys k
         WHERE k.key_hash = p_hash AND (p_tenant_id IS NULL OR k.tenant_id = p_tenant_id);
        IF NOT FOUND THEN
            SELECT * INTO v_key FROM api_keys k
             WHERE k.previous_key_hash = p_hash AND k.previous_key_expires_at > v_now
               AND (p_tenant_id IS NULL OR k.tenant_id = p_tenant_id)
             LIMIT 1;
        END IF;
        IF FOUND AND v_key.is_active AND v_key.revoked_at IS NULL
           AND (v_key.expires_at IS NULL OR v_key.expires_at > v_now)
           AND (NOT v_key.is_trial OR v_key.trial_expires_at > v_now)
           AND NOT (v_key.scopes @> p_required_scopes) THEN
            RETURN QUERY SELECT 'insufficient_scope'::text, NULL::text, 0::bigint,
                v_key.id, v_key.tenant_id, v_key.scopes, v_key.is_trial, v_key.allowed_numbers,
                v_key.created_by_user_id,
                NULL::integer, NULL::integer, NULL::timestamptz, NULL::integer, NULL::integer, NULL::timestamptz,
                NULL::numeric, NULL::numeric, NULL::timestamptz, 0::numeric;
            RETURN;
        END IF;
    END IF;
    RETURN QUERY SELECT * FROM platform_api_key_hit(p_hash, p_now, p_cost, p_class, p_tenant_id);
END
$$;

DO $lend_create$
BEGIN
    IF NOT pg_catalog.has_schema_privilege('gatehouse_platform', 'public', 'CREATE') THEN
        GRANT CREATE ON SCHEMA public TO gatehouse_platform;
    END IF;
END
$lend_create$;

ALTER FUNCTION platform_api_key_authorized_hit(bytea, timestamptz, numeric, text, uuid, text[]) OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_api_key_authorized_hit(bytea, timestamptz, numeric, text, uuid, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_api_key_authorized_hit(bytea, timestamptz, numeric, text, uuid, text[]) TO gatehouse_app;

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;
