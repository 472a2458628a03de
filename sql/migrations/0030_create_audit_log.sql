-- 0030_create_audit_log.sql
--
-- The audit log (issue 8, item 10): every mutation by an owner/admin, a key with
-- account:manage, or the operator appends one row to audit_events. 0001 created the table
-- for tenants only; this turns it into the log the API serves:
--   * tenant rows stay behind the forced tenant_isolation policy (owners and admins read
--     their own tenant's rows through GET /audit-events);
--   * platform rows (tenant_id NULL: master keys created or revoked on the command line)
--     are visible to no tenant; operators read every row through
--     platform_admin_list_audit_events (GET /admin/audit-events);
--   * append-only for everyone: the server role has SELECT and INSERT only, and a trigger
--     refuses UPDATE, DELETE and TRUNCATE for every role, the owner included (as
--     consent_ledger in 0001). A consequence: a tenant with audit history cannot be
--     deleted by cascade.
--   * `changes` is a small JSON object of what changed, never a secret (the server never
--     passes raw keys, hashes or passwords); the CHECK is a backstop for its size.

ALTER TABLE audit_events ALTER COLUMN tenant_id DROP NOT NULL;
ALTER TABLE audit_events RENAME COLUMN metadata TO changes;
ALTER TABLE audit_events
    ADD COLUMN user_agent text,
    ADD COLUMN request_id text,
    ADD CONSTRAINT audit_events_action_check CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$' AND char_length(action) <= 64),
    ADD CONSTRAINT audit_events_changes_check
        CHECK (jsonb_typeof(changes) = 'object' AND octet_length(changes::text) <= 8192),
    ADD CONSTRAINT audit_events_actor_check CHECK ((actor_type = 'system') = (actor_id IS NULL));

-- Newest first, per tenant (GET /audit-events) and across tenants (GET /admin/audit-events).
DROP INDEX audit_events_tenant_created_idx;
CREATE INDEX audit_events_tenant_created_idx ON audit_events (tenant_id, created_at DESC, id DESC);
CREATE INDEX audit_events_created_idx ON audit_events (created_at DESC, id DESC);

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION forbid_change_append_only();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change_append_only();

-- The platform functions below read every row and write platform rows.
CREATE POLICY platform_access ON audit_events TO gatehouse_platform USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON audit_events TO gatehouse_platform;

-- GET /admin/audit-events: every row, tenant and platform, newest first, keyset paged on
-- (created_at, id). Filters are optional (NULL = any). p_limit clamped to 1..1000.
CREATE FUNCTION platform_admin_list_audit_events(
        p_action text,
        p_actor_id uuid,
        p_since timestamptz,
        p_limit integer,
        p_before_created_at timestamptz DEFAULT NULL,
        p_before_id uuid DEFAULT NULL)
    RETURNS TABLE (
        id uuid, tenant_id uuid, actor_type text, actor_id uuid, action text,
        target_type text, target_id text, ip text, user_agent text, request_id text,
        changes jsonb, created_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT e.id, e.tenant_id, e.actor_type, e.actor_id, e.action,
           e.target_type, e.target_id, e.ip, e.user_agent, e.request_id,
           e.changes, e.created_at
      FROM audit_events e
     WHERE (p_action IS NULL OR e.action = p_action)
       AND (p_actor_id IS NULL OR e.actor_id = p_actor_id)
       AND (p_since IS NULL OR e.created_at >= p_since)
       AND (p_before_created_at IS NULL
            OR (e.created_at, e.id) < (p_before_created_at,
                                       COALESCE(p_before_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)))
     ORDER BY e.created_at DESC, e.id DESC
     LIMIT LEAST(GREATEST(COALESCE(p_limit, 50), 1), 1000)
$$;

DO $lend_create$
BEGIN
    IF NOT pg_catalog.has_schema_privilege('gatehouse_platform', 'public', 'CREATE') THEN
        GRANT CREATE ON SCHEMA public TO gatehouse_platform;
    END IF;
END
$lend_create$;

ALTER FUNCTION platform_admin_list_audit_events(text, uuid, timestamptz, integer, timestamptz, uuid)
    OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_admin_list_audit_events(text, uuid, timestamptz, integer, timestamptz, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_admin_list_audit_events(text, uuid, timestamptz, integer, timestamptz, uuid)
    TO gatehouse_app;

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;
