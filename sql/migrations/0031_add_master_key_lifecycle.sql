-- 0031_add_master_key_lifecycle.sql
--
-- Master keys get a lifecycle (issue 8, item 11) and leave the server's reach (item 9):
--   * an optional expiry (`gatehouse admin create-master-key --expires-in-days N`);
--   * `gatehouse admin list-master-keys` and `revoke-master-key ID`; a revoked or expired
--     key is refused by the very next request (platform_authenticate_master_key checks
--     both on every call; last_used_at is still written at most once a minute);
--   * creating, listing and revoking run only as the owner role (the command line, with
--     MIGRATION_DATABASE_URL): gatehouse_app gets no EXECUTE on them, so a compromised
--     server cannot mint itself operator access. The owner may run them because it is a
--     member of gatehouse_platform, their owner;
--   * creating and revoking append a platform audit event (tenant_id NULL, actor `system`)
--     in the same transaction.

ALTER TABLE master_keys
    ADD COLUMN expires_at timestamptz,
    ADD CONSTRAINT master_keys_name_check CHECK (char_length(name) BETWEEN 1 AND 64);

DROP FUNCTION platform_create_master_key(text, bytea, text);

CREATE FUNCTION platform_create_master_key(p_name text, p_hash bytea, p_prefix text, p_expires_at timestamptz)
    RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO master_keys (name, key_hash, key_prefix, expires_at)
    VALUES (p_name, p_hash, p_prefix, p_expires_at)
    RETURNING id INTO v_id;
    INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, target_type, target_id, changes)
    VALUES (NULL, 'system', NULL, 'master_key.create', 'master_key', v_id::text,
            jsonb_build_object('name', p_name, 'key_prefix', p_prefix, 'expires_at', p_expires_at));
    RETURN v_id;
END
$$;

-- Every master key, newest first (never the hash).
CREATE FUNCTION platform_list_master_keys()
    RETURNS TABLE (id uuid, name text, key_prefix text, created_at timestamptz, expires_at timestamptz,
                   last_used_at timestamptz, revoked_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT m.id, m.name, m.key_prefix, m.created_at, m.expires_at, m.last_used_at, m.revoked_at
      FROM master_keys m
     ORDER BY m.created_at DESC, m.id DESC
$$;

-- Revokes a master key: 'revoked', 'already_revoked' or 'not_found'. Audited once.
CREATE FUNCTION platform_revoke_master_key(p_id uuid)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    v_revoked_at timestamptz;
BEGIN
    SELECT m.revoked_at INTO v_revoked_at FROM master_keys m WHERE m.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'not_found';
    END IF;
    IF v_revoked_at IS NOT NULL THEN
        RETURN 'already_revoked';
    END IF;
    UPDATE master_keys SET revoked_at = now() WHERE id = p_id;
    INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, target_type, target_id, changes)
    VALUES (NULL, 'system', NULL, 'master_key.revoke', 'master_key', p_id::text, '{}'::jsonb);
    RETURN 'revoked';
END
$$;

-- A live master key by hash: not revoked, not expired. last_used_at is written at most once
-- a minute per key, so concurrent admin requests do not queue on the row lock.
CREATE OR REPLACE FUNCTION platform_authenticate_master_key(p_hash bytea)
    RETURNS TABLE (id uuid, name text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
        UPDATE master_keys m
           SET last_used_at = now()
         WHERE m.key_hash = p_hash
           AND m.revoked_at IS NULL
           AND (m.expires_at IS NULL OR m.expires_at > now())
           AND (m.last_used_at IS NULL OR m.last_used_at < now() - interval '1 minute')
        RETURNING m.id, m.name;
    IF NOT FOUND THEN
        RETURN QUERY
            SELECT m.id, m.name
              FROM master_keys m
             WHERE m.key_hash = p_hash
               AND m.revoked_at IS NULL
               AND (m.expires_at IS NULL OR m.expires_at > now());
    END IF;
END
$$;

DO $lend_create$
BEGIN
    IF NOT pg_catalog.has_schema_privilege('gatehouse_platform', 'public', 'CREATE') THEN
        GRANT CREATE ON SCHEMA public TO gatehouse_platform;
    END IF;
END
$lend_create$;

ALTER FUNCTION platform_create_master_key(text, bytea, text, timestamptz) OWNER TO gatehouse_platform;
ALTER FUNCTION platform_list_master_keys() OWNER TO gatehouse_platform;
ALTER FUNCTION platform_revoke_master_key(uuid) OWNER TO gatehouse_platform;
REVOKE ALL ON FUNCTION platform_create_master_key(text, bytea, text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION platform_list_master_keys() FROM PUBLIC;
REVOKE ALL ON FUNCTION platform_revoke_master_key(uuid) FROM PUBLIC;
-- No GRANT to gatehouse_app: the owner role (a member of gatehouse_platform) runs these.

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;
