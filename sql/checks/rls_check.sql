-- rls_check.sql: prove the tenant scoping and the platform functions of
-- migrations/0001_create_schema.sql on a real database.
--
-- Run against a THROWAWAY database that has the migrations applied, connected as the
-- owner role; the script reconnects as gatehouse_app with `\connect - gatehouse_app`
-- (same host/port/database), so that role must be able to log in (trust, .pgpass or
-- PGPASSWORD).
--
--   psql -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 55432 -U gatehouse_owner -d gatehouse \
--        -f sql/checks/rls_check.sql
--
-- Every assertion raises on failure, so the exit status is the verdict (0 = passed).
-- Each run creates two fresh tenants (random ids), so it can be rerun on the same database.
-- It claims due mails from mail_outbox, so do not point it at a database with a live worker.

\set ON_ERROR_STOP 1
\set QUIET 1
\pset pager off
-- Progress goes to stdout with \echo; query results are discarded; failures go to stderr.
\o /dev/null

------------------------------------------------------------------------------------------
\echo '== 1. as the owner: seed one row per tenant table for two tenants A and B'
------------------------------------------------------------------------------------------

SELECT current_user = 'gatehouse_owner' AS is_owner \gset
\if :is_owner
\else
  \echo 'connect as gatehouse_owner to run this check'
  SELECT 1/0;
\endif

DO $seed$
DECLARE
    t        uuid;
    tag      text;
    v_user   uuid;
    v_sess   uuid;
    v_key    uuid;
    v_msess  uuid;
    v_n      integer := 0;
BEGIN
    FOREACH tag IN ARRAY ARRAY['a', 'b'] LOOP
        t := gen_random_uuid();
        PERFORM set_config('check.tenant_' || tag, t::text, false);
        -- FORCE RLS applies to the owner as well: write inside the tenant's scope.
        PERFORM set_config('app.tenant_id', t::text, true);

        INSERT INTO tenants (id, name) VALUES (t, 'Check ' || upper(tag));
        INSERT INTO subscriptions (tenant_id, plan_id, stripe_customer_id, stripe_subscription_id)
            VALUES (t, 'free', 'cus_' || t, 'sub_' || t);
        INSERT INTO tenant_settings (tenant_id) VALUES (t);
        INSERT INTO users (tenant_id, email, full_name, role, password_hash)
            VALUES (t, 'owner-' || t || '@check.test', 'Owner ' || upper(tag), 'owner',
                    '$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA')
            RETURNING id INTO v_user;
        INSERT INTO auth_sessions (tenant_id, user_id, ip, user_agent)
            VALUES (t, v_user, '127.0.0.1', 'rls_check') RETURNING id INTO v_sess;
        INSERT INTO refresh_tokens (tenant_id, session_id, token_hash, expires_at)
            VALUES (t, v_sess, sha256(convert_to(t || ':refresh', 'UTF8')), now() + interval '30 days');
        INSERT INTO one_time_tokens (tenant_id, user_id, purpose, token_hash, expires_at)
            VALUES (t, v_user, 'reset_password', sha256(convert_to(t || ':reset', 'UTF8')),
                    now() + interval '30 minutes');
        INSERT INTO mail_outbox (tenant_id, to_address, subject, body_text, next_attempt_at)
            VALUES (t, 'owner-' || t || '@check.test', 'Check ' || t, 'body', now() - interval '1 second');
        INSERT INTO api_keys (tenant_id, name, key_hash, key_prefix, scopes, created_by_user_id)
            VALUES (t, 'check key', sha256(convert_to(t || ':key', 'UTF8')), 'gk_live_0000',
                    ARRAY['messages:send'], v_user)
            RETURNING id INTO v_key;
        INSERT INTO usage_log (tenant_id, api_key_id, endpoint, status_code, cost)
            VALUES (t, v_key, 'POST /api/v2/messages', 202, 0.01);
        INSERT INTO usage_daily (tenant_id, api_key_id, day, endpoint, calls, cost)
            VALUES (t, v_key, current_date, 'POST /api/v2/messages', 1, 0.01);
        INSERT INTO meter_events (tenant_id, meter, quantity) VALUES (t, 'ai_replies', 3);
        INSERT INTO usage_meter_monthly (tenant_id, meter, month, quantity)
            VALUES (t, 'ai_replies', date_trunc('month', now())::date, 3) ON CONFLICT DO NOTHING;
        INSERT INTO usage_meter_gauges (tenant_id, meter, value, at)
            VALUES (t, 'groups', 1, now()) ON CONFLICT DO NOTHING;
        INSERT INTO messaging_sessions (tenant_id, api_key_id, name)
            VALUES (t, v_key, 'check session') RETURNING id INTO v_msess;
        PERFORM set_config('check.session_' || tag, v_msess::text, false);
        INSERT INTO messages (tenant_id, session_id, api_key_id, direction, peer_number, text, status, cost)
            VALUES (t, v_msess, v_key, 'outbound', '+15550000001', 'hello', 'sent', 0.01);
        INSERT INTO consent_ledger (tenant_id, consent_type, version, granted, user_id)
            VALUES (t, 'ai_processing', '1.0', true, v_user);
        INSERT INTO audit_events (tenant_id, actor_type, actor_id, action)
            VALUES (t, 'user', v_user, 'check.seed');
        v_n := v_n + 1;
    END LOOP;
    RAISE NOTICE 'seeded % tenants', v_n;
END
$seed$;

SELECT current_setting('check.tenant_a') AS ta, current_setting('check.tenant_b') AS tb,
       current_setting('check.session_a') AS sa, current_setting('check.session_b') AS sb \gset
\echo tenant A = :ta
\echo tenant B = :tb

\echo '== 1b. as the owner: the consent ledger refuses UPDATE, DELETE and TRUNCATE (trigger)'
CREATE FUNCTION pg_temp.expect_fail(p_sql text, p_states text[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE p_sql;
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE = ANY (p_states) THEN
            RETURN;
        END IF;
        RAISE EXCEPTION 'CHECK FAILED: % raised % (%), expected one of %', p_sql, SQLSTATE, SQLERRM, p_states;
    END;
    RAISE EXCEPTION 'CHECK FAILED: % succeeded, expected failure %', p_sql, p_states;
END
$$;

BEGIN;
SET LOCAL app.tenant_id = :'ta';
SELECT pg_temp.expect_fail('UPDATE consent_ledger SET granted = NOT granted', ARRAY['42501']);
SELECT pg_temp.expect_fail('DELETE FROM consent_ledger', ARRAY['42501']);
SELECT pg_temp.expect_fail('TRUNCATE consent_ledger', ARRAY['42501']);
SELECT pg_temp.expect_fail('UPDATE audit_events SET action = ''x.y''', ARRAY['42501']);
SELECT pg_temp.expect_fail('DELETE FROM audit_events', ARRAY['42501']);
SELECT pg_temp.expect_fail('TRUNCATE audit_events', ARRAY['42501']);
COMMIT;

\echo '== 1c. as the owner: master keys are made here (the server may not make them)'
SELECT platform_create_master_key('check', sha256(convert_to(:'ta' || ':master', 'UTF8')), 'gk_admin_000', NULL);

------------------------------------------------------------------------------------------
\echo '== 2. reconnect as gatehouse_app'
------------------------------------------------------------------------------------------
\connect - gatehouse_app

SELECT set_config('check.tenant_a', :'ta', false) AS a, set_config('check.tenant_b', :'tb', false) AS b,
       set_config('check.session_a', :'sa', false) AS sa, set_config('check.session_b', :'sb', false) AS sb
\g /dev/null

CREATE FUNCTION pg_temp.expect_fail(p_sql text, p_states text[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE p_sql;
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE = ANY (p_states) THEN
            RETURN;
        END IF;
        RAISE EXCEPTION 'CHECK FAILED: % raised % (%), expected one of %', p_sql, SQLSTATE, SQLERRM, p_states;
    END;
    RAISE EXCEPTION 'CHECK FAILED: % succeeded, expected failure %', p_sql, p_states;
END
$$;

CREATE FUNCTION pg_temp.check(p_ok boolean, p_what text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF p_ok IS NOT TRUE THEN
        RAISE EXCEPTION 'CHECK FAILED: %', p_what;
    END IF;
END
$$;

-- Tables gatehouse_app can touch that carry tenant data (tenant_id column, or tenants).
CREATE TEMP VIEW check_tenant_tables AS
SELECT c.relname::text AS name,
       CASE WHEN c.relname = 'tenants' THEN 'id' ELSE 'tenant_id' END AS tenant_col,
       has_table_privilege('gatehouse_app', c.oid, 'UPDATE') AS can_update,
       has_table_privilege('gatehouse_app', c.oid, 'DELETE') AS can_delete
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace
   AND c.relkind IN ('r', 'p')
   AND has_table_privilege('gatehouse_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
   AND (c.relname = 'tenants'
        OR EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped));

\echo '== 3. gatehouse_app is unprivileged and every table it can reach is scoped'
DO $roles$
DECLARE
    r record;
    n integer;
BEGIN
    PERFORM pg_temp.check(current_user = 'gatehouse_app', 'connected as gatehouse_app');
    SELECT rolsuper, rolbypassrls INTO r FROM pg_roles WHERE rolname = 'gatehouse_app';
    PERFORM pg_temp.check(NOT r.rolsuper AND NOT r.rolbypassrls, 'gatehouse_app is NOSUPERUSER NOBYPASSRLS');
    PERFORM pg_temp.check(NOT pg_has_role('gatehouse_app', 'gatehouse_platform', 'MEMBER'),
                          'gatehouse_app is not a member of gatehouse_platform');
    SELECT count(*) INTO n FROM pg_class WHERE relowner = 'gatehouse_app'::regrole AND relnamespace = 'public'::regnamespace;
    PERFORM pg_temp.check(n = 0, 'gatehouse_app owns no relations');
    SELECT count(*) INTO n FROM pg_proc WHERE proowner = 'gatehouse_app'::regrole AND pronamespace = 'public'::regnamespace;
    PERFORM pg_temp.check(n = 0, 'gatehouse_app owns no functions');
    PERFORM pg_temp.check(NOT has_schema_privilege('gatehouse_app', 'public', 'CREATE'),
                          'gatehouse_app cannot create objects in public');

    SELECT count(*) INTO n FROM check_tenant_tables;
    PERFORM pg_temp.check(n >= 16, format('expected at least 16 tenant tables, found %s', n));

    FOR r IN
        SELECT t.name, c.relrowsecurity, c.relforcerowsecurity,
               EXISTS (SELECT 1 FROM pg_policies p
                        WHERE p.schemaname = 'public' AND p.tablename = t.name
                          AND p.policyname = 'tenant_isolation'
                          AND p.qual LIKE '%app_current_tenant_id()%'
                          AND p.with_check LIKE '%app_current_tenant_id()%') AS has_policy,
               EXISTS (SELECT 1 FROM pg_policies p
                        WHERE p.schemaname = 'public' AND p.tablename = t.name
                          AND p.policyname <> 'tenant_isolation'
                          AND ('public' = ANY (p.roles) OR 'gatehouse_app' = ANY (p.roles))) AS other_policy
          FROM check_tenant_tables t JOIN pg_class c ON c.relname = t.name AND c.relnamespace = 'public'::regnamespace
    LOOP
        PERFORM pg_temp.check(r.relrowsecurity AND r.relforcerowsecurity, r.name || ': RLS enabled and forced');
        PERFORM pg_temp.check(r.has_policy, r.name || ': has the tenant_isolation policy');
        PERFORM pg_temp.check(NOT r.other_policy, r.name || ': no other policy applies to gatehouse_app');
    END LOOP;

    -- Any other table the app can reach must be a known global one.
    FOR r IN
        SELECT c.relname
          FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND has_table_privilege('gatehouse_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
           AND c.relname NOT IN (SELECT name FROM check_tenant_tables)
           AND c.relname NOT IN ('plans', 'schema_migrations')
    LOOP
        RAISE EXCEPTION 'CHECK FAILED: gatehouse_app can reach unscoped table %', r.relname;
    END LOOP;
    PERFORM pg_temp.check(NOT has_table_privilege('gatehouse_app', 'plans', 'INSERT, UPDATE, DELETE'),
                          'plans is read-only for gatehouse_app');
END
$roles$;

\echo '== 4. no tenant set: every tenant table reads as empty'
DO $empty$
DECLARE
    r record;
    n bigint;
BEGIN
    PERFORM pg_temp.check(app_current_tenant_id() IS NULL, 'no tenant in a fresh session');
    FOR r IN SELECT * FROM check_tenant_tables ORDER BY name LOOP
        EXECUTE format('SELECT count(*) FROM %I', r.name) INTO n;
        PERFORM pg_temp.check(n = 0, format('%s shows %s rows with no tenant set', r.name, n));
    END LOOP;
END
$empty$;

-- After SET LOCAL in an earlier transaction the GUC reads '' (not NULL): still no tenant.
BEGIN;
SET LOCAL app.tenant_id = :'ta';
SELECT pg_temp.check((SELECT count(*) FROM users) = 1, 'scoped to A inside the transaction');
COMMIT;
SELECT pg_temp.check(current_setting('app.tenant_id', true) = '', 'GUC reverted to empty string');
SELECT pg_temp.check(app_current_tenant_id() IS NULL, 'empty GUC means no tenant');
SELECT pg_temp.check((SELECT count(*) FROM users) = 0, 'no users visible after the scoped transaction');
SELECT pg_temp.check((SELECT count(*) FROM tenants) = 0, 'no tenants visible after the scoped transaction');

\echo '== 5. scoped to A: SELECT, UPDATE and DELETE without WHERE touch only A rows'
BEGIN;
SET LOCAL app.tenant_id = :'ta';
DO $scoped$
DECLARE
    a uuid := current_setting('check.tenant_a')::uuid;
    b uuid := current_setting('check.tenant_b')::uuid;
    r record;
    n_a bigint;
    n_other bigint;
    n_b_before bigint;
    n_b_after bigint;
    touched bigint;
BEGIN
    FOR r IN SELECT * FROM check_tenant_tables ORDER BY name LOOP
        EXECUTE format('SELECT count(*), count(*) FILTER (WHERE %I <> $1) FROM %I', r.tenant_col, r.name)
            INTO n_a, n_other USING a;
        PERFORM pg_temp.check(n_a >= 1 AND n_other = 0,
            format('%s: scoped SELECT sees %s rows of A and %s of others', r.name, n_a, n_other));

        -- what B has, seen from B's own scope
        PERFORM set_config('app.tenant_id', b::text, true);
        EXECUTE format('SELECT count(*) FROM %I', r.name) INTO n_b_before;
        PERFORM set_config('app.tenant_id', a::text, true);

        IF r.can_update THEN
            EXECUTE format('UPDATE %I SET %I = %I', r.name, r.tenant_col, r.tenant_col);
            GET DIAGNOSTICS touched = ROW_COUNT;
            PERFORM pg_temp.check(touched = n_a,
                format('%s: UPDATE without WHERE touched %s rows, A has %s', r.name, touched, n_a));
            -- moving A's rows to B is refused by WITH CHECK
            PERFORM pg_temp.expect_fail(format('UPDATE %I SET %I = %L', r.name, r.tenant_col, b), ARRAY['42501']);
        ELSE
            PERFORM pg_temp.expect_fail(format('UPDATE %I SET %I = %I', r.name, r.tenant_col, r.tenant_col), ARRAY['42501']);
        END IF;

        IF r.can_delete THEN
            EXECUTE format('DELETE FROM %I', r.name);
            GET DIAGNOSTICS touched = ROW_COUNT;
            PERFORM pg_temp.check(touched = n_a,
                format('%s: DELETE without WHERE removed %s rows, A had %s', r.name, touched, n_a));
        ELSE
            PERFORM pg_temp.expect_fail(format('DELETE FROM %I', r.name), ARRAY['42501']);
        END IF;

        PERFORM set_config('app.tenant_id', b::text, true);
        EXECUTE format('SELECT count(*) FROM %I', r.name) INTO n_b_after;
        PERFORM set_config('app.tenant_id', a::text, true);
        PERFORM pg_temp.check(n_b_before >= 1 AND n_b_after = n_b_before,
            format('%s: B rows before %s, after A''s UPDATE/DELETE %s', r.name, n_b_before, n_b_after));
    END LOOP;

    -- A value change, looked at from B's side.
    UPDATE users SET full_name = 'changed by A';
    PERFORM set_config('app.tenant_id', b::text, true);
    PERFORM pg_temp.check(NOT EXISTS (SELECT 1 FROM users WHERE full_name = 'changed by A'),
                          'B users untouched by A''s UPDATE');
    PERFORM set_config('app.tenant_id', a::text, true);
    PERFORM pg_temp.check((SELECT count(*) FROM users WHERE full_name = 'changed by A') = 1,
                          'A user updated');
END
$scoped$;
ROLLBACK;

\echo '== 6. scoped to A: writing B rows or pointing at B rows fails'
BEGIN;
SET LOCAL app.tenant_id = :'ta';
SELECT pg_temp.expect_fail(format('INSERT INTO tenants (id, name) VALUES (%L, %L)', gen_random_uuid(), 'other'), ARRAY['42501']);
SELECT pg_temp.expect_fail(format('INSERT INTO users (tenant_id, email, full_name) VALUES (%L, %L, %L)',
       :'tb', 'x-' || gen_random_uuid() || '@check.test', 'X'), ARRAY['42501']);
SELECT pg_temp.expect_fail(format('INSERT INTO api_keys (tenant_id, name, key_hash, key_prefix) VALUES (%L, %L, %L, %L)',
       :'tb', 'k', sha256(gen_random_uuid()::text::bytea), 'gk_live_0000'), ARRAY['42501']);
SELECT pg_temp.expect_fail(format('INSERT INTO usage_log (tenant_id, api_key_id, endpoint, status_code) VALUES (%L, %L, %L, 200)',
       :'tb', gen_random_uuid(), 'GET /x'), ARRAY['42501']);
SELECT pg_temp.expect_fail(format('INSERT INTO consent_ledger (tenant_id, consent_type, version, granted) VALUES (%L, %L, %L, true)',
       :'tb', 'ai_processing', '1.0'), ARRAY['42501']);
SELECT pg_temp.expect_fail(format('INSERT INTO tenant_settings (tenant_id) VALUES (%L)', :'tb'), ARRAY['42501', '23505']);
SELECT pg_temp.expect_fail(format('INSERT INTO messages (tenant_id, session_id, direction, peer_number, text, status) VALUES (%L, %L, %L, %L, %L, %L)',
       :'tb', :'sb', 'outbound', '+15550000002', 'hi', 'sent'), ARRAY['42501']);
-- tenant A row that references B's session: the composite foreign key refuses it
SELECT pg_temp.expect_fail(format('INSERT INTO messages (tenant_id, session_id, direction, peer_number, text, status) VALUES (%L, %L, %L, %L, %L, %L)',
       :'ta', :'sb', 'outbound', '+15550000002', 'hi', 'sent'), ARRAY['23503']);
-- while a row of A's own is fine
INSERT INTO messages (tenant_id, session_id, direction, peer_number, text, status)
     VALUES (:'ta', :'sa', 'inbound', '+15550000003', 'hi', 'received');
ROLLBACK;

\echo '== 7. consent_ledger and audit_events: no UPDATE/DELETE for gatehouse_app'
BEGIN;
SET LOCAL app.tenant_id = :'ta';
SELECT pg_temp.expect_fail('UPDATE consent_ledger SET granted = false', ARRAY['42501']);
SELECT pg_temp.expect_fail('DELETE FROM consent_ledger', ARRAY['42501']);
SELECT pg_temp.expect_fail('TRUNCATE consent_ledger', ARRAY['42501']);
SELECT pg_temp.expect_fail('UPDATE audit_events SET action = ''x''', ARRAY['42501']);
SELECT pg_temp.expect_fail('DELETE FROM audit_events', ARRAY['42501']);
INSERT INTO consent_ledger (tenant_id, consent_type, version, granted) VALUES (:'ta', 'ai_processing', '1.0', false);
ROLLBACK;

\echo '== 8. platform tables are out of reach; the mail queue is not writable directly'
SELECT pg_temp.expect_fail('SELECT * FROM master_keys', ARRAY['42501']);
SELECT pg_temp.expect_fail('SELECT platform_create_master_key(''x'', ''\x00''::bytea, ''gk_admin_000'', NULL)', ARRAY['42501']);
SELECT pg_temp.expect_fail('SELECT platform_revoke_master_key(gen_random_uuid())', ARRAY['42501']);
SELECT pg_temp.expect_fail('SELECT * FROM auth_throttle', ARRAY['42501']);
SELECT pg_temp.expect_fail('SELECT * FROM stripe_events', ARRAY['42501']);
SELECT pg_temp.expect_fail('SELECT * FROM checkout_sessions', ARRAY['42501']);
SELECT pg_temp.expect_fail('INSERT INTO master_keys (name, key_hash, key_prefix) VALUES (''x'', ''\x00'', ''x'')', ARRAY['42501']);
SELECT pg_temp.expect_fail('INSERT INTO auth_throttle (bucket, window_start) VALUES (''x'', now())', ARRAY['42501']);
SELECT pg_temp.expect_fail('UPDATE mail_outbox SET sent_at = now()', ARRAY['42501']);

\echo '== 9. platform functions: owned by gatehouse_platform, pinned search_path, not PUBLIC'
DO $catalog$
DECLARE
    r record;
    n integer := 0;
BEGIN
    FOR r IN
        SELECT p.oid::regprocedure AS f, pg_get_userbyid(p.proowner) AS owner, p.proconfig, p.proacl
          FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
    LOOP
        n := n + 1;
        PERFORM pg_temp.check(r.owner = 'gatehouse_platform', r.f || ' is owned by gatehouse_platform');
        PERFORM pg_temp.check(r.proconfig IS NOT NULL AND EXISTS (
                                  SELECT 1 FROM unnest(r.proconfig) c WHERE c LIKE 'search_path=%pg_temp%'),
                              r.f || ' pins search_path');
        PERFORM pg_temp.check(r.proacl IS NOT NULL AND NOT EXISTS (
                                  SELECT 1 FROM aclexplode(r.proacl) x WHERE x.grantee = 0),
                              r.f || ' is not executable by PUBLIC');
        -- Master keys are made, listed and revoked by the owner only (0031).
        IF r.f::text LIKE ANY (ARRAY['platform_create_master_key(%', 'platform_list_master_keys(%',
                                     'platform_revoke_master_key(%']) THEN
            PERFORM pg_temp.check(NOT has_function_privilege('gatehouse_app', r.f, 'EXECUTE'),
                                  r.f || ' is not executable by gatehouse_app');
        ELSE
            PERFORM pg_temp.check(has_function_privilege('gatehouse_app', r.f, 'EXECUTE'),
                                  r.f || ' is executable by gatehouse_app');
        END IF;
    END LOOP;
    PERFORM pg_temp.check(n >= 12, format('expected at least 12 SECURITY DEFINER functions, found %s', n));
END
$catalog$;

\echo '== 10. platform functions work for gatehouse_app (no tenant set)'
DO $platform$
DECLARE
    a uuid := current_setting('check.tenant_a')::uuid;
    b uuid := current_setting('check.tenant_b')::uuid;
    r record;
    n bigint;
    v_id uuid;
    v_key_a uuid;
    v_user_a uuid;
BEGIN
    PERFORM pg_temp.check(app_current_tenant_id() IS NULL, 'platform checks run without a tenant');

    -- login by email, case-insensitively
    SELECT * INTO r FROM platform_find_login(upper('owner-' || a || '@check.test'));
    PERFORM pg_temp.check(r.tenant_id = a AND r.user_id IS NOT NULL AND r.password_hash LIKE '$argon2id$%',
                          'platform_find_login finds A''s owner by upper-cased email');
    v_user_a := r.user_id;
    SELECT count(*) INTO n FROM platform_find_login('nobody-' || gen_random_uuid() || '@check.test');
    PERFORM pg_temp.check(n = 0, 'platform_find_login: unknown email gives no row');

    SELECT * INTO r FROM platform_find_refresh_token(sha256(convert_to(b || ':refresh', 'UTF8')));
    PERFORM pg_temp.check(r.tenant_id = b AND r.token_id IS NOT NULL AND r.session_id IS NOT NULL,
                          'platform_find_refresh_token finds B''s token');
    SELECT count(*) INTO n FROM platform_find_refresh_token('\xdeadbeef'::bytea);
    PERFORM pg_temp.check(n = 0, 'platform_find_refresh_token: unknown hash gives no row');

    SELECT * INTO r FROM platform_find_one_time_token(sha256(convert_to(a || ':reset', 'UTF8')), 'reset_password');
    PERFORM pg_temp.check(r.tenant_id = a AND r.user_id = v_user_a, 'platform_find_one_time_token finds A''s reset token');
    SELECT count(*) INTO n FROM platform_find_one_time_token(sha256(convert_to(a || ':reset', 'UTF8')), 'magic_link');
    PERFORM pg_temp.check(n = 0, 'platform_find_one_time_token: wrong purpose gives no row');

    -- admin: key -> tenant, and the cross-tenant listing / totals
    SELECT k.id INTO v_key_a FROM platform_admin_list_keys(true, NULL, 1000) k WHERE k.tenant_id = a;
    PERFORM pg_temp.check(v_key_a IS NOT NULL, 'platform_admin_list_keys lists A''s key');
    PERFORM pg_temp.check(EXISTS (SELECT 1 FROM platform_admin_list_keys(false, 'standard', 1000) k
                                   WHERE k.tenant_id = b AND k.sessions_active = 1),
                          'platform_admin_list_keys lists B''s key with its session');
    PERFORM pg_temp.check(platform_find_api_key_tenant(v_key_a) = a, 'platform_find_api_key_tenant(A key) = A');
    PERFORM pg_temp.check(platform_find_api_key_tenant(gen_random_uuid()) IS NULL, 'platform_find_api_key_tenant(unknown) is NULL');
    SELECT * INTO r FROM platform_admin_usage_totals();
    PERFORM pg_temp.check(r.total_keys >= 2 AND r.total_sessions >= 2 AND (r.keys_by_type ->> 'standard')::bigint >= 2,
                          'platform_admin_usage_totals counts both tenants');

    -- master keys: the server only authenticates them (made by the owner in section 1c)
    SELECT * INTO r FROM platform_authenticate_master_key(sha256(convert_to(a || ':master', 'UTF8')));
    PERFORM pg_temp.check(r.name = 'check', 'platform_authenticate_master_key finds the owner''s key');
    SELECT * INTO r FROM platform_authenticate_master_key(sha256(convert_to(a || ':master', 'UTF8')));
    PERFORM pg_temp.check(r.name = 'check', 'platform_authenticate_master_key works twice in a row');
    SELECT count(*) INTO n FROM platform_authenticate_master_key('\x00'::bytea);
    PERFORM pg_temp.check(n = 0, 'platform_authenticate_master_key: unknown hash gives no row');

    -- Stripe: subscription lookup, event idempotency, checkout completion
    PERFORM pg_temp.check(platform_find_subscription_tenant('cus_' || a, NULL) = a, 'find tenant by Stripe customer');
    PERFORM pg_temp.check(platform_find_subscription_tenant(NULL, 'sub_' || b) = b, 'find tenant by Stripe subscription');
    PERFORM pg_temp.check(platform_find_subscription_tenant('cus_none', 'sub_none') IS NULL, 'unknown Stripe ids');
    PERFORM pg_temp.check(platform_record_stripe_event('evt_' || a, 'invoice.paid'), 'new Stripe event is to be applied');
    PERFORM pg_temp.check(platform_record_stripe_event('evt_' || a, 'invoice.paid'), 'unprocessed Stripe event is still to be applied');
    PERFORM pg_temp.check(platform_mark_stripe_event_processed('evt_' || a), 'Stripe event marked processed');
    PERFORM pg_temp.check(NOT platform_record_stripe_event('evt_' || a, 'invoice.paid'), 'processed Stripe event is skipped');
END
$platform$;

\echo '== 11. platform_throttle_hit: sliding window (limit 3 per 60 s)'
DO $throttle$
DECLARE
    bucket text := 'check:' || gen_random_uuid();
    t0 timestamptz := '2030-01-01 00:00:00+00';
    r record;
    i integer;
BEGIN
    FOR i IN 1..3 LOOP
        SELECT * INTO r FROM platform_throttle_hit(bucket, 3, 60, t0 + interval '10 seconds');
        PERFORM pg_temp.check(r.allowed AND r.retry_after_seconds = 0, format('hit %s of 3 allowed', i));
    END LOOP;
    SELECT * INTO r FROM platform_throttle_hit(bucket, 3, 60, t0 + interval '10 seconds');
    -- next window at 60 s; previous bucket (3) fades to 2 at 80 s: 2 + 0 + 1 <= 3
    PERFORM pg_temp.check(NOT r.allowed AND r.retry_after_seconds = 70,
                          format('4th hit refused with retry_after 70, got %s / %s', r.allowed, r.retry_after_seconds));
    SELECT * INTO r FROM platform_throttle_hit(bucket, 3, 60, t0 + interval '79 seconds');
    PERFORM pg_temp.check(NOT r.allowed, 'still refused at 79 s (3 * 41/60 + 1 > 3)');
    -- at 90 s: 3 * 0.5 + 0 + 1 = 2.5 <= 3 allowed; then 3 * 0.5 + 1 + 1 = 3.5 refused
    SELECT * INTO r FROM platform_throttle_hit(bucket, 3, 60, t0 + interval '90 seconds');
    PERFORM pg_temp.check(r.allowed, 'allowed at 90 s (1.5 + 0 + 1 <= 3)');
    SELECT * INTO r FROM platform_throttle_hit(bucket, 3, 60, t0 + interval '90 seconds');
    -- fits once 3 * w + 1 + 1 <= 3, i.e. w <= 1/3, at 100 s
    PERFORM pg_temp.check(NOT r.allowed AND r.retry_after_seconds = 10,
                          format('refused at 90 s with retry_after 10, got %s / %s', r.allowed, r.retry_after_seconds));
    SELECT * INTO r FROM platform_throttle_hit(bucket, 3, 60, t0 + interval '100 seconds');
    PERFORM pg_temp.check(r.allowed, 'allowed at 100 s');
    -- two windows later everything has faded
    FOR i IN 1..3 LOOP
        SELECT * INTO r FROM platform_throttle_hit(bucket, 3, 60, t0 + interval '240 seconds');
        PERFORM pg_temp.check(r.allowed, format('after two idle windows, hit %s allowed', i));
    END LOOP;
    -- limit 0 = no cap
    SELECT * INTO r FROM platform_throttle_hit(bucket, 0, 60, t0 + interval '240 seconds');
    PERFORM pg_temp.check(r.allowed, 'limit 0 means no cap');
    PERFORM pg_temp.check(platform_throttle_prune(t0 + interval '1 day') >= 1, 'platform_throttle_prune removes old buckets');
END
$throttle$;

\echo '== 12. mail worker: claim with a lease, mark sent, mark failed'
DO $mail$
DECLARE
    a uuid := current_setting('check.tenant_a')::uuid;
    b uuid := current_setting('check.tenant_b')::uuid;
    v_a uuid;
    v_b uuid;
    n bigint;
BEGIN
    CREATE TEMP TABLE claimed ON COMMIT DROP AS SELECT * FROM platform_claim_mail(1000, 300);
    SELECT id INTO v_a FROM claimed WHERE tenant_id = a;
    SELECT id INTO v_b FROM claimed WHERE tenant_id = b;
    PERFORM pg_temp.check(v_a IS NOT NULL AND v_b IS NOT NULL, 'platform_claim_mail returns due mail of both tenants');
    PERFORM pg_temp.check((SELECT bool_and(attempts >= 1 AND next_attempt_at > now()) FROM claimed),
                          'claimed mail is leased (next_attempt_at pushed forward, attempts counted)');
    SELECT count(*) INTO n FROM platform_claim_mail(1000, 300) c WHERE c.id IN (v_a, v_b);
    PERFORM pg_temp.check(n = 0, 'leased mail is not claimed twice');
    PERFORM pg_temp.check(platform_mark_mail_sent(v_a), 'mark A mail sent');
    PERFORM pg_temp.check(NOT platform_mark_mail_sent(v_a), 'a sent mail is not marked twice');
    PERFORM pg_temp.check(platform_mark_mail_failed(v_b, 'smtp said no', now() - interval '1 second'), 'mark B mail failed');
    SELECT count(*) INTO n FROM platform_claim_mail(1000, 300) c WHERE c.id = v_b AND c.last_error = 'smtp said no';
    PERFORM pg_temp.check(n = 1, 'failed mail is due again at its retry time');
    SELECT count(*) INTO n FROM platform_claim_mail(1000, 300) c WHERE c.id = v_a;
    PERFORM pg_temp.check(n = 0, 'sent mail is never claimed again');
END
$mail$;

\echo '== 13. still nothing visible without a tenant after all of that'
DO $final$
DECLARE
    r record;
    n bigint;
BEGIN
    FOR r IN SELECT * FROM check_tenant_tables LOOP
        EXECUTE format('SELECT count(*) FROM %I', r.name) INTO n;
        PERFORM pg_temp.check(n = 0, format('%s shows %s rows with no tenant set', r.name, n));
    END LOOP;
END
$final$;

\echo 'RLS CHECK PASSED'
