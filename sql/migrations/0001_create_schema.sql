-- 0001_create_schema.sql
--
-- The whole Gatehouse schema: accounts, keys, limits, usage, messaging, admin,
-- settings/consent and billing, with row-level tenant scoping as the security spine.
--
-- Applied as the database owner role (dev: gatehouse_owner, CREATEROLE, not
-- superuser) either by `psql -v ON_ERROR_STOP=1 -f` or by the Swift migrator inside
-- one transaction. Therefore: no CONCURRENTLY, no VACUUM, no psql meta-commands, no
-- BEGIN/COMMIT here. `schema_migrations` belongs to the migrator, not to this file.
--
-- Roles
--   gatehouse_app       the server's login role (created by ops with LOGIN; created here
--                       NOLOGIN only if missing). Owns nothing, never BYPASSRLS, sees tenant
--                       rows only for the tenant set with SET LOCAL app.tenant_id.
--   gatehouse_platform  NOLOGIN; owns the narrow SECURITY DEFINER platform_* functions and
--                       is let through RLS (policy platform_access) on exactly the tables
--                       those functions touch.
--   owner (CURRENT_USER) owns the tables; FORCE ROW LEVEL SECURITY applies to it too.
--                       It is made a member of gatehouse_platform so it can hand functions
--                       over; as a side effect it passes the platform_access policies.
--
-- How the server uses it
--   * Tenant work: BEGIN; SELECT set_config('app.tenant_id', $1, true); ...; COMMIT.
--     With no tenant set, every tenant table reads as empty for gatehouse_app.
--   * Creating a tenant (signup, admin key without tenant_id): generate the tenant uuid in
--     the server, set app.tenant_id to it, then INSERT INTO tenants (id, name) and the
--     rest (subscription on plan 'free', tenant_settings, owner user) in that scope.
--   * Work that starts without a tenant (login by email, refresh/one-time token by hash,
--     master key, admin lookups, throttling, mail worker, Stripe webhook) calls one
--     platform_* function to learn the tenant, then continues inside that tenant's scope.
--   * Later migrations adding a platform function (e.g. the API-key hot path) repeat the
--     pattern at the end of this file: temporarily GRANT CREATE ON SCHEMA public TO
--     gatehouse_platform, create, ALTER FUNCTION ... OWNER TO gatehouse_platform,
--     GRANT EXECUTE TO gatehouse_app, REVOKE CREATE again, and grant gatehouse_platform
--     the table privileges the function needs (the hot path needs UPDATE on api_keys;
--     this file grants the platform only SELECT there).
--   * ALTER DEFAULT PRIVILEGES below: no function created later (by the owner or by
--     gatehouse_platform) is executable by PUBLIC; grant EXECUTE to gatehouse_app on purpose.
--   * Batched usage writes span tenants: set app.tenant_id per tenant group (several
--     set_config calls inside one transaction are fine; the policy reads it per statement).

------------------------------------------------------------------------------------------
-- Roles (cluster-level, so idempotent: the file also runs against a second database).
------------------------------------------------------------------------------------------

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'gatehouse_app') THEN
        -- Roles are cluster-wide: a migration of another database may create it at the same time.
        BEGIN
            CREATE ROLE gatehouse_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'gatehouse_platform') THEN
        -- Roles are cluster-wide: a migration of another database may create it at the same time.
        BEGIN
            CREATE ROLE gatehouse_platform NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT pg_catalog.pg_has_role(current_user, 'gatehouse_platform', 'MEMBER') THEN
        EXECUTE pg_catalog.format('GRANT gatehouse_platform TO %I', current_user);
    END IF;
END
$roles$;

-- Fail closed: RLS means nothing if the server's role or the platform role can bypass it.
DO $guard$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT rolname, rolsuper, rolbypassrls
               FROM pg_catalog.pg_roles
              WHERE rolname IN ('gatehouse_app', 'gatehouse_platform')
    LOOP
        IF r.rolsuper OR r.rolbypassrls THEN
            RAISE EXCEPTION 'role % must be NOSUPERUSER NOBYPASSRLS for row-level tenant scoping', r.rolname;
        END IF;
    END LOOP;
    IF pg_catalog.pg_has_role('gatehouse_app', 'gatehouse_platform', 'MEMBER') THEN
        RAISE EXCEPTION 'gatehouse_app must not be a member of gatehouse_platform';
    END IF;
END
$guard$;

-- Nobody but the owner creates objects in public (already the default since PG 15; a
-- database upgraded from an older release may still grant it to PUBLIC).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO gatehouse_app, gatehouse_platform;

-- Functions created from here on (by the owner, or by gatehouse_platform in later
-- migrations) are not executable by PUBLIC unless granted on purpose.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE gatehouse_platform REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

------------------------------------------------------------------------------------------
-- Tenant scope and shared trigger functions.
------------------------------------------------------------------------------------------

-- After a SET LOCAL in an earlier transaction the GUC reads '' (not NULL): NULLIF keeps
-- that as "no tenant". A malformed value raises (fails closed).
CREATE FUNCTION app_current_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')::uuid $$;
COMMENT ON FUNCTION app_current_tenant_id() IS
    'Tenant of the current transaction (SET LOCAL app.tenant_id), NULL when unset.';
-- Policies evaluate it as whichever role queries, so every role may call it.
GRANT EXECUTE ON FUNCTION app_current_tenant_id() TO PUBLIC;

CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;

CREATE FUNCTION forbid_change_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

------------------------------------------------------------------------------------------
-- Plans (global catalogue, readable by the server).
------------------------------------------------------------------------------------------

CREATE TABLE plans (
    id                      text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]*$'),
    display_name            text NOT NULL,
    price_monthly           numeric(12,2) NOT NULL CHECK (price_monthly >= 0),
    price_yearly            numeric(12,2) NOT NULL CHECK (price_yearly >= 0),
    currency                text NOT NULL DEFAULT 'usd' CHECK (currency ~ '^[a-z]{3}$'),
    max_sessions            integer NOT NULL CHECK (max_sessions >= 0),
    max_messages_per_month  integer NOT NULL CHECK (max_messages_per_month >= 0),
    max_groups              integer NOT NULL CHECK (max_groups >= 0),
    max_labels              integer NOT NULL CHECK (max_labels >= 0),
    ai_replies_per_month    integer NOT NULL CHECK (ai_replies_per_month >= 0),
    sort_order              integer NOT NULL,
    -- Stripe Price ids for real Stripe; NULL with the built-in simulator.
    stripe_price_monthly    text,
    stripe_price_yearly     text
);

INSERT INTO plans (id, display_name, price_monthly, price_yearly, currency,
                   max_sessions, max_messages_per_month, max_groups, max_labels,
                   ai_replies_per_month, sort_order) VALUES
    ('free',     'Free',      0.00,   0.00, 'usd',  1,   100,   2,  10,   20, 1),
    ('starter',  'Starter',   9.00,  90.00, 'usd',  2,  1000,   5,  25,  100, 2),
    ('pro',      'Pro',      29.00, 290.00, 'usd',  3,  5000,  10,  50,  500, 3),
    ('business', 'Business', 99.00, 990.00, 'usd', 10, 50000, 100, 500, 5000, 4);

------------------------------------------------------------------------------------------
-- Tenants and accounts.
--
-- Every foreign key between tenant-owned rows includes tenant_id, so a row can never
-- point at another tenant's row (foreign-key checks themselves bypass RLS). The
-- UNIQUE (tenant_id, id) constraints that those keys need double as each table's
-- index leading with tenant_id.
------------------------------------------------------------------------------------------

CREATE TABLE tenants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscriptions (
    tenant_id               uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    plan_id                 text NOT NULL REFERENCES plans (id),
    status                  text NOT NULL DEFAULT 'active'
                            CHECK (status IN ('active', 'trialing', 'past_due', 'canceled', 'incomplete')),
    billing_cycle           text NOT NULL DEFAULT 'monthly'
                            CHECK (billing_cycle IN ('monthly', 'yearly')),
    current_period_start    timestamptz,
    current_period_end      timestamptz,
    cancel_at_period_end    boolean NOT NULL DEFAULT false,
    stripe_customer_id      text UNIQUE,
    stripe_subscription_id  text UNIQUE,
    -- `created` of the newest Stripe event applied, so older events arriving late are
    -- recognised and skipped.
    last_stripe_event_at    timestamptz,
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_plan_id_idx ON subscriptions (plan_id);

CREATE TABLE users (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email              text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
    full_name          text NOT NULL,
    role               text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    password_hash      text,          -- Argon2id PHC string; NULL for magic-link-only users
    email_verified_at  timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_tenant_id_id_key UNIQUE (tenant_id, id)
);
-- One account per email across the whole platform, case-insensitively.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE auth_sessions (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id            uuid NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    last_refreshed_at  timestamptz,
    revoked_at         timestamptz,
    revoked_reason     text,
    ip                 text,
    user_agent         text,
    CONSTRAINT auth_sessions_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT auth_sessions_user_fk FOREIGN KEY (tenant_id, user_id)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX auth_sessions_tenant_user_idx ON auth_sessions (tenant_id, user_id);

CREATE TABLE refresh_tokens (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    session_id      uuid NOT NULL,
    token_hash      bytea NOT NULL UNIQUE,
    parent_id       uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    -- The successor minted when this token was used: a concurrent refresh inside the
    -- grace period answers with the same successor instead of forking the family.
    replaced_by_id  uuid,
    CONSTRAINT refresh_tokens_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT refresh_tokens_session_fk FOREIGN KEY (tenant_id, session_id)
        REFERENCES auth_sessions (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT refresh_tokens_parent_fk FOREIGN KEY (tenant_id, parent_id)
        REFERENCES refresh_tokens (tenant_id, id) ON DELETE SET NULL (parent_id),
    CONSTRAINT refresh_tokens_replaced_by_fk FOREIGN KEY (tenant_id, replaced_by_id)
        REFERENCES refresh_tokens (tenant_id, id) ON DELETE SET NULL (replaced_by_id)
);
CREATE INDEX refresh_tokens_tenant_session_idx ON refresh_tokens (tenant_id, session_id);
CREATE INDEX refresh_tokens_tenant_parent_idx ON refresh_tokens (tenant_id, parent_id)
    WHERE parent_id IS NOT NULL;
CREATE INDEX refresh_tokens_tenant_replaced_by_idx ON refresh_tokens (tenant_id, replaced_by_id)
    WHERE replaced_by_id IS NOT NULL;

CREATE TABLE one_time_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL,
    purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'magic_link')),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CONSTRAINT one_time_tokens_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT one_time_tokens_user_fk FOREIGN KEY (tenant_id, user_id)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX one_time_tokens_tenant_user_idx ON one_time_tokens (tenant_id, user_id, purpose);

CREATE TABLE mail_outbox (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    to_address       text NOT NULL,
    subject          text NOT NULL,
    body_text        text NOT NULL,
    body_html        text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    last_error       text
);
CREATE INDEX mail_outbox_tenant_created_idx ON mail_outbox (tenant_id, created_at);
-- The worker's queue (platform_claim_mail), across tenants.
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;

-- Login/signup/forgot-password throttling buckets. Platform table: the server reaches it
-- only through platform_throttle_hit / platform_throttle_prune.
CREATE TABLE auth_throttle (
    bucket          text PRIMARY KEY,          -- e.g. 'login:ip:1.2.3.4', 'login:email:<hash>'
    window_start    timestamptz NOT NULL,
    current_count   integer NOT NULL DEFAULT 0 CHECK (current_count >= 0),
    previous_count  integer NOT NULL DEFAULT 0 CHECK (previous_count >= 0)
) WITH (fillfactor = 70);

------------------------------------------------------------------------------------------
-- API keys (tenant self-service and operator-managed) and master keys.
------------------------------------------------------------------------------------------

-- Hot row: one UPDATE per key-authenticated request. The counters below are in no
-- index, and fillfactor 70 leaves room on each page, so those UPDATEs stay HOT.
CREATE TABLE api_keys (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id                uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name                     text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    key_hash                 bytea NOT NULL UNIQUE,      -- HMAC-SHA256(KEY_PEPPER, raw key)
    key_prefix               text NOT NULL,              -- first 12 chars, for display
    type                     text NOT NULL DEFAULT 'standard' CHECK (type IN ('standard', 'premium')),
    scopes                   text[] NOT NULL DEFAULT '{}' CHECK (scopes <@ ARRAY[
                                 'account:manage', 'settings:read', 'settings:manage',
                                 'usage:read', 'billing:read', 'billing:manage',
                                 'sessions:read', 'sessions:manage', 'messages:send',
                                 'keys:verify', 'usage:write']::text[]),
    is_admin                 boolean NOT NULL DEFAULT false,
    is_active                boolean NOT NULL DEFAULT true,
    is_trial                 boolean NOT NULL DEFAULT false,
    trial_expires_at         timestamptz,
    allowed_numbers          text[] NOT NULL DEFAULT '{}',
    expires_at               timestamptz,
    revoked_at               timestamptz,
    created_by_user_id       uuid,
    managed                  boolean NOT NULL DEFAULT false,   -- created through /admin
    metadata                 jsonb NOT NULL DEFAULT '{}'
                             CHECK (jsonb_typeof(metadata) = 'object'
                                    -- backstop only: the API enforces 8 KB on the request
                                    AND octet_length(metadata::text) <= 16384),
    max_sessions             integer CHECK (max_sessions >= 0),
    created_at               timestamptz NOT NULL DEFAULT now(),
    last_used_at             timestamptz,
    -- Rotation grace: the previous secret keeps working until previous_key_expires_at.
    previous_key_hash        bytea,
    previous_key_expires_at  timestamptz,

    -- General requests per minute: sliding window over two one-minute buckets.
    rate_limit_rpm           integer NOT NULL DEFAULT 60 CHECK (rate_limit_rpm >= 0),  -- 0 = no cap
    rl_window_start          timestamptz NOT NULL DEFAULT 'epoch',
    rl_current               integer NOT NULL DEFAULT 0,
    rl_previous              integer NOT NULL DEFAULT 0,
    -- Messages per minute (NULL = no cap).
    rate_limit_messages      integer CHECK (rate_limit_messages >= 0),
    msg_window_start         timestamptz NOT NULL DEFAULT 'epoch',
    msg_current              integer NOT NULL DEFAULT 0,
    msg_previous             integer NOT NULL DEFAULT 0,
    -- Sessions created per hour (NULL = no cap).
    rate_limit_sessions      integer CHECK (rate_limit_sessions >= 0),
    ses_window_start         timestamptz NOT NULL DEFAULT 'epoch',
    ses_current              integer NOT NULL DEFAULT 0,
    ses_previous             integer NOT NULL DEFAULT 0,

    -- Spend cap; the period rolls over lazily. spend_period_start NULL = not started yet.
    spend_limit              numeric(20,6) CHECK (spend_limit >= 0),
    spend_period             text NOT NULL DEFAULT 'month'
                             CHECK (spend_period IN ('day', 'week', 'month', 'forever')),
    spend_period_start       timestamptz,
    spend_period_used        numeric(20,6) NOT NULL DEFAULT 0,

    messages_sent            bigint NOT NULL DEFAULT 0,
    sessions_created         bigint NOT NULL DEFAULT 0,

    CONSTRAINT api_keys_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT api_keys_created_by_fk FOREIGN KEY (tenant_id, created_by_user_id)
        REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by_user_id),
    CONSTRAINT api_keys_trial_expiry_check CHECK (NOT is_trial OR trial_expires_at IS NOT NULL),
    CONSTRAINT api_keys_previous_key_check
        CHECK ((previous_key_hash IS NULL) = (previous_key_expires_at IS NULL))
) WITH (fillfactor = 70);
CREATE INDEX api_keys_previous_key_hash_idx ON api_keys (previous_key_hash)
    WHERE previous_key_hash IS NOT NULL;
CREATE INDEX api_keys_tenant_created_idx ON api_keys (tenant_id, created_at, id);
CREATE INDEX api_keys_tenant_created_by_idx ON api_keys (tenant_id, created_by_user_id)
    WHERE created_by_user_id IS NOT NULL;

-- Operator master keys. Platform table: no direct access for the server role.
CREATE TABLE master_keys (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL,
    key_hash      bytea NOT NULL UNIQUE,
    key_prefix    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

------------------------------------------------------------------------------------------
-- Usage.
------------------------------------------------------------------------------------------

-- api_key_id carries no foreign key on purpose: usage history outlives a permanently
-- deleted key (it still counts for the tenant's usage), and a per-row key check would
-- take a share lock on the hot api_keys row for every batched insert.
CREATE TABLE usage_log (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    api_key_id   uuid NOT NULL,
    endpoint     text NOT NULL,                 -- 'METHOD /route/template'
    status_code  integer NOT NULL CHECK (status_code BETWEEN 100 AND 599),
    cost         numeric(20,6) NOT NULL DEFAULT 0,
    tokens_in    integer NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out   integer NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    model        text,
    duration_ms  integer NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_log_tenant_key_created_idx ON usage_log (tenant_id, api_key_id, created_at DESC);

CREATE TABLE usage_daily (
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    api_key_id  uuid NOT NULL,
    day         date NOT NULL,                  -- UTC day
    endpoint    text NOT NULL,
    model       text NOT NULL DEFAULT '',       -- '' = no model (keeps the key NOT NULL)
    calls       bigint NOT NULL DEFAULT 0,
    cost        numeric(20,6) NOT NULL DEFAULT 0,
    tokens_in   bigint NOT NULL DEFAULT 0,
    tokens_out  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, api_key_id, day, endpoint, model)
);
CREATE INDEX usage_daily_tenant_day_idx ON usage_daily (tenant_id, day);

-- Usage measured by the customer's own services (POST /usage/events). ai_replies is a
-- counter (sum); groups and labels are gauges (latest value counts).
CREATE TABLE meter_events (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    meter       text NOT NULL CHECK (meter IN ('ai_replies', 'groups', 'labels')),
    quantity    bigint NOT NULL CHECK (quantity >= 0),
    at          timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meter_events_tenant_meter_at_idx ON meter_events (tenant_id, meter, at DESC);

------------------------------------------------------------------------------------------
-- Messaging (simulated channel).
------------------------------------------------------------------------------------------

CREATE TABLE messaging_sessions (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    api_key_id         uuid,   -- NULL once the key is permanently deleted ("lose access")
    name               text NOT NULL,
    state              text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'disconnected', 'deleted')),
    phone_number       text,
    messages_sent      bigint NOT NULL DEFAULT 0,
    messages_received  bigint NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    CONSTRAINT messaging_sessions_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT messaging_sessions_api_key_fk FOREIGN KEY (tenant_id, api_key_id)
        REFERENCES api_keys (tenant_id, id) ON DELETE SET NULL (api_key_id),
    CONSTRAINT messaging_sessions_deleted_check CHECK ((state = 'deleted') = (deleted_at IS NOT NULL))
);
CREATE INDEX messaging_sessions_tenant_key_idx ON messaging_sessions (tenant_id, api_key_id);
CREATE INDEX messaging_sessions_tenant_created_idx ON messaging_sessions (tenant_id, created_at);

CREATE TABLE messages (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id            uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    session_id           uuid NOT NULL,
    api_key_id           uuid,
    direction            text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    peer_number          text NOT NULL,      -- `to` for outbound, `from` for inbound
    text                 text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4096),
    status               text NOT NULL CHECK (status IN ('sent', 'pending_approval', 'received')),
    cost                 numeric(20,6) NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    approved_at          timestamptz,
    approved_by_user_id  uuid,
    CONSTRAINT messages_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT messages_session_fk FOREIGN KEY (tenant_id, session_id)
        REFERENCES messaging_sessions (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT messages_api_key_fk FOREIGN KEY (tenant_id, api_key_id)
        REFERENCES api_keys (tenant_id, id) ON DELETE SET NULL (api_key_id),
    CONSTRAINT messages_approved_by_fk FOREIGN KEY (tenant_id, approved_by_user_id)
        REFERENCES users (tenant_id, id) ON DELETE SET NULL (approved_by_user_id),
    CONSTRAINT messages_direction_status_check CHECK (
        (direction = 'outbound' AND status IN ('sent', 'pending_approval'))
        OR (direction = 'inbound' AND status = 'received'))
);
CREATE INDEX messages_tenant_created_idx ON messages (tenant_id, created_at);
CREATE INDEX messages_tenant_session_created_idx ON messages (tenant_id, session_id, created_at);
CREATE INDEX messages_tenant_api_key_idx ON messages (tenant_id, api_key_id)
    WHERE api_key_id IS NOT NULL;

------------------------------------------------------------------------------------------
-- Tenant settings, consent ledger, audit trail.
------------------------------------------------------------------------------------------

CREATE TABLE tenant_settings (
    tenant_id           uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    allowed_numbers     text[] NOT NULL DEFAULT '{}',
    require_approval    boolean NOT NULL DEFAULT false,
    ai_consent_enabled  boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Append-only: the server may only SELECT/INSERT, and a trigger refuses UPDATE, DELETE
-- and TRUNCATE for everyone, the owner included (history can only be rewritten by
-- dropping the trigger, which is itself a visible schema change). A consequence: a
-- tenant with consent history cannot be deleted by cascade. user_id has no foreign key
-- for the same reason (ON DELETE SET NULL would be a rewrite).
CREATE TABLE consent_ledger (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    consent_type  text NOT NULL,
    version       text NOT NULL,
    granted       boolean NOT NULL,
    user_id       uuid,
    ip            text,
    user_agent    text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_ledger_tenant_created_idx ON consent_ledger (tenant_id, created_at DESC, id DESC);
CREATE TRIGGER consent_ledger_append_only
    BEFORE UPDATE OR DELETE ON consent_ledger
    FOR EACH ROW EXECUTE FUNCTION forbid_change_append_only();
CREATE TRIGGER consent_ledger_no_truncate
    BEFORE TRUNCATE ON consent_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change_append_only();

CREATE TABLE audit_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_type   text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'master_key', 'system')),
    actor_id     uuid,       -- no foreign key: the trail outlives users and keys
    action       text NOT NULL,
    target_type  text,
    target_id    text,
    metadata     jsonb NOT NULL DEFAULT '{}',
    ip           text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_tenant_created_idx ON audit_events (tenant_id, created_at DESC);

------------------------------------------------------------------------------------------
-- Billing platform tables (Stripe webhooks arrive without a tenant).
------------------------------------------------------------------------------------------

CREATE TABLE stripe_events (
    id            text PRIMARY KEY,      -- Stripe event id (evt_...)
    type          text NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz
);

CREATE TABLE checkout_sessions (
    id             text PRIMARY KEY,     -- Stripe checkout session id (cs_...)
    tenant_id      uuid REFERENCES tenants (id) ON DELETE CASCADE,  -- NULL for signup checkout
    email          text,
    full_name      text,                 -- signup checkout: the account to create
    tenant_name    text,
    plan_id        text NOT NULL REFERENCES plans (id),
    billing_cycle  text NOT NULL CHECK (billing_cycle IN ('monthly', 'yearly')),
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'complete', 'expired')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz,
    CONSTRAINT checkout_sessions_signup_check CHECK (
        tenant_id IS NOT NULL
        OR (email IS NOT NULL AND full_name IS NOT NULL AND tenant_name IS NOT NULL))
);
CREATE INDEX checkout_sessions_tenant_idx ON checkout_sessions (tenant_id) WHERE tenant_id IS NOT NULL;

------------------------------------------------------------------------------------------
-- updated_at maintenance.
------------------------------------------------------------------------------------------

CREATE TRIGGER subscriptions_set_updated_at BEFORE UPDATE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER tenant_settings_set_updated_at BEFORE UPDATE ON tenant_settings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

------------------------------------------------------------------------------------------
-- Row-level security.
------------------------------------------------------------------------------------------

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = (SELECT app_current_tenant_id()))
    WITH CHECK (id = (SELECT app_current_tenant_id()));

-- Same policy on every tenant-owned table.
DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'subscriptions', 'users', 'auth_sessions', 'refresh_tokens', 'one_time_tokens',
        'mail_outbox', 'api_keys', 'usage_log', 'usage_daily', 'meter_events',
        'messaging_sessions', 'messages', 'tenant_settings', 'consent_ledger', 'audit_events']
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format(
            'CREATE POLICY tenant_isolation ON %I '
            'USING (tenant_id = (SELECT app_current_tenant_id())) '
            'WITH CHECK (tenant_id = (SELECT app_current_tenant_id()))', t);
    END LOOP;
END
$rls$;

-- Platform tables: RLS on too, so an accidental grant to the server role still shows
-- nothing (only platform_access, below, lets rows through).
DO $platform_rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['auth_throttle', 'master_keys', 'stripe_events', 'checkout_sessions']
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    END LOOP;
END
$platform_rls$;

-- gatehouse_platform passes RLS on exactly the tables its functions read or write.
DO $platform_access$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'users', 'refresh_tokens', 'one_time_tokens', 'api_keys', 'messaging_sessions',
        'subscriptions', 'mail_outbox',
        'auth_throttle', 'master_keys', 'stripe_events', 'checkout_sessions']
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE POLICY platform_access ON %I TO gatehouse_platform '
            'USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$platform_access$;

------------------------------------------------------------------------------------------
-- Table privileges.
------------------------------------------------------------------------------------------

GRANT SELECT ON plans TO gatehouse_app;

GRANT SELECT, INSERT, UPDATE          ON tenants            TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE          ON subscriptions      TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE          ON users              TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE          ON auth_sessions      TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE, DELETE  ON refresh_tokens     TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE, DELETE  ON one_time_tokens    TO gatehouse_app;
GRANT SELECT, INSERT                  ON mail_outbox        TO gatehouse_app;  -- the worker uses platform_*_mail
GRANT SELECT, INSERT, UPDATE, DELETE  ON api_keys           TO gatehouse_app;  -- DELETE: admin permanent delete
GRANT SELECT, INSERT                  ON usage_log          TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE          ON usage_daily        TO gatehouse_app;  -- upsert rollups
GRANT SELECT, INSERT                  ON meter_events       TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE          ON messaging_sessions TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE          ON messages           TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE          ON tenant_settings    TO gatehouse_app;
GRANT SELECT, INSERT                  ON consent_ledger     TO gatehouse_app;
GRANT SELECT, INSERT                  ON audit_events       TO gatehouse_app;
-- No grants at all on auth_throttle, master_keys, stripe_events, checkout_sessions.

GRANT SELECT                  ON users, refresh_tokens, one_time_tokens, api_keys,
                                 messaging_sessions, subscriptions  TO gatehouse_platform;
GRANT SELECT, UPDATE          ON mail_outbox                        TO gatehouse_platform;
GRANT SELECT, INSERT, UPDATE, DELETE ON auth_throttle               TO gatehouse_platform;
GRANT SELECT, INSERT, UPDATE  ON master_keys, stripe_events, checkout_sessions TO gatehouse_platform;

------------------------------------------------------------------------------------------
-- Platform functions: SECURITY DEFINER, owned by gatehouse_platform, pinned search_path,
-- EXECUTE for gatehouse_app only. Each answers the minimum needed to continue inside a
-- tenant's scope.
------------------------------------------------------------------------------------------

-- Login / forgot-password / magic-link request: the account behind an email.
CREATE FUNCTION platform_find_login(p_email text)
    RETURNS TABLE (user_id uuid, tenant_id uuid, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT u.id, u.tenant_id, u.password_hash
      FROM users u
     WHERE lower(u.email) = lower(p_email)
$$;

-- Refresh: the token's tenant and session (used tokens too, for reuse detection).
CREATE FUNCTION platform_find_refresh_token(p_hash bytea)
    RETURNS TABLE (token_id uuid, tenant_id uuid, session_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT r.id, r.tenant_id, r.session_id
      FROM refresh_tokens r
     WHERE r.token_hash = p_hash
$$;

-- Verify email / reset password / magic link: the token's tenant and user. Expiry and
-- single use are checked by the caller inside the tenant scope (SELECT ... FOR UPDATE).
CREATE FUNCTION platform_find_one_time_token(p_hash bytea, p_purpose text)
    RETURNS TABLE (token_id uuid, tenant_id uuid, user_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT o.id, o.tenant_id, o.user_id
      FROM one_time_tokens o
     WHERE o.token_hash = p_hash
       AND o.purpose = p_purpose
$$;

-- Operator admin: which tenant a key belongs to (then work in that tenant's scope).
CREATE FUNCTION platform_find_api_key_tenant(p_key_id uuid)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT k.tenant_id FROM api_keys k WHERE k.id = p_key_id
$$;

-- Operator admin, GET /admin/api-keys and the key list of GET /admin/usage: keys across
-- tenants, never the hashes. p_type: 'standard' | 'premium' | 'trial' (is_trial) | NULL.
-- Keyset pagination on (created_at, id); p_limit clamped to 1..1000.
CREATE FUNCTION platform_admin_list_api_keys(
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
            OR (p_type <> 'trial' AND k.type = p_type))
       AND (p_after_created_at IS NULL
            OR (k.created_at, k.id) > (p_after_created_at, COALESCE(p_after_id, '00000000-0000-0000-0000-000000000000'::uuid)))
     ORDER BY k.created_at, k.id
     LIMIT LEAST(GREATEST(COALESCE(p_limit, 50), 1), 1000)
$$;

-- Operator admin, GET /admin/usage: platform-wide totals in one row.
CREATE FUNCTION platform_admin_usage_totals()
    RETURNS TABLE (
        total_keys bigint, active_keys bigint, trial_keys bigint, admin_keys bigint,
        total_sessions bigint, total_messages_sent bigint, keys_by_type jsonb)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT count(*),
           count(*) FILTER (WHERE k.is_active AND k.revoked_at IS NULL),
           count(*) FILTER (WHERE k.is_trial),
           count(*) FILTER (WHERE k.is_admin),
           (SELECT count(*) FROM messaging_sessions ms WHERE ms.state <> 'deleted'),
           COALESCE(sum(k.messages_sent), 0)::bigint,
           (SELECT COALESCE(jsonb_object_agg(x.type, x.n), '{}'::jsonb)
              FROM (SELECT k2.type, count(*) AS n FROM api_keys k2 GROUP BY k2.type) x)
      FROM api_keys k
$$;

-- `gatehouse admin create-master-key`: store the HMAC of a new master key.
CREATE FUNCTION platform_create_master_key(p_name text, p_hash bytea, p_prefix text)
    RETURNS uuid
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    INSERT INTO master_keys (name, key_hash, key_prefix)
    VALUES (p_name, p_hash, p_prefix)
    RETURNING id
$$;

-- A non-revoked master key by hash. last_used_at is written at most once a minute per
-- key, so concurrent admin requests do not queue on the row lock.
CREATE FUNCTION platform_authenticate_master_key(p_hash bytea)
    RETURNS TABLE (id uuid, name text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
        UPDATE master_keys m
           SET last_used_at = now()
         WHERE m.key_hash = p_hash
           AND m.revoked_at IS NULL
           AND (m.last_used_at IS NULL OR m.last_used_at < now() - interval '1 minute')
        RETURNING m.id, m.name;
    IF NOT FOUND THEN
        RETURN QUERY
            SELECT m.id, m.name
              FROM master_keys m
             WHERE m.key_hash = p_hash
               AND m.revoked_at IS NULL;
    END IF;
END
$$;

-- Sliding-window throttle for unauthenticated endpoints (login, signup, forgot-password,
-- magic links). Windows are aligned to multiples of p_window_seconds since the epoch;
-- estimate = previous * (1 - elapsed/window) + current. A hit is admitted only by one
-- INSERT ... ON CONFLICT DO UPDATE whose SET and WHERE read only the locked row's own
-- columns, so concurrent hits serialise on the row and the count is exact. A refused
-- hit is not counted. p_limit <= 0 means no cap.
-- Fast path: a plain read first. Commits only ever add hits, so an estimate read from
-- any snapshot is <= the latest one; if it already refuses, refusing is correct, and
-- takes no row lock and writes nothing (a flood of refused hits stays cheap).
-- Durability: the caller may run it in its own transaction with
-- SET LOCAL synchronous_commit = off; losing the last hits in a crash only forgets them.
CREATE FUNCTION platform_throttle_hit(
        p_bucket text, p_limit integer, p_window_seconds integer,
        p_now timestamptz DEFAULT now())
    RETURNS TABLE (allowed boolean, retry_after_seconds integer)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    v_now     timestamptz := COALESCE(p_now, now());
    v_window  interval;
    v_start   timestamptz;
    v_weight  double precision;   -- weight of the previous bucket now: 1 - elapsed/window
    v_rows    bigint;
    v_row     auth_throttle%ROWTYPE;
    v_base    timestamptz;
    v_cur     integer;
    v_prev    integer;
    v_w       double precision;
    v_until   timestamptz;
BEGIN
    IF p_bucket IS NULL OR p_limit IS NULL OR p_window_seconds IS NULL OR p_window_seconds < 1 THEN
        RAISE EXCEPTION 'platform_throttle_hit: bucket, limit and window (>= 1 s) are required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_limit <= 0 THEN
        RETURN QUERY SELECT true, 0;
        RETURN;
    END IF;

    v_window := make_interval(secs => p_window_seconds);
    v_start  := date_bin(v_window, v_now, timestamptz '1970-01-01 00:00:00+00');
    v_weight := 1.0 - extract(epoch FROM (v_now - v_start))::double precision / p_window_seconds;

    FOR pass IN 1..2 LOOP
        SELECT * INTO v_row FROM auth_throttle a WHERE a.bucket = p_bucket;
        IF FOUND THEN
            -- The row's buckets as seen at v_now. A row whose window is newer than ours
            -- (a replica's clock ahead) counts as the current window, previous at full weight.
            IF v_row.window_start >= v_start THEN
                v_base := v_row.window_start; v_cur := v_row.current_count; v_prev := v_row.previous_count;
                v_w := CASE WHEN v_row.window_start > v_start THEN 1.0 ELSE v_weight END;
            ELSIF v_row.window_start = v_start - v_window THEN
                v_base := v_start; v_cur := 0; v_prev := v_row.current_count; v_w := v_weight;
            ELSE
                v_base := v_start; v_cur := 0; v_prev := 0; v_w := v_weight;
            END IF;
            EXIT WHEN v_prev * v_w + v_cur + 1 > p_limit;   -- refused
        END IF;
        EXIT WHEN pass = 2;   -- admitted by the snapshot yet refused under the lock

        INSERT INTO auth_throttle AS t (bucket, window_start, current_count, previous_count)
        VALUES (p_bucket, v_start, 1, 0)
        ON CONFLICT (bucket) DO UPDATE SET
            window_start   = GREATEST(t.window_start, v_start),
            current_count  = CASE WHEN t.window_start >= v_start THEN t.current_count ELSE 0 END + 1,
            previous_count = CASE WHEN t.window_start >= v_start THEN t.previous_count
                                  WHEN t.window_start = v_start - v_window THEN t.current_count
                                  ELSE 0 END
        WHERE (CASE WHEN t.window_start >= v_start THEN t.previous_count
                    WHEN t.window_start = v_start - v_window THEN t.current_count
                    ELSE 0 END)
              * (CASE WHEN t.window_start > v_start THEN 1.0 ELSE v_weight END)
              + (CASE WHEN t.window_start >= v_start THEN t.current_count ELSE 0 END)
              + 1 <= p_limit;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows > 0 THEN
            RETURN QUERY SELECT true, 0;
            RETURN;
        END IF;
        -- Refused under the lock: pass 2 rereads the row (now current: we hold its lock).
    END LOOP;

    -- Refused: when would the next hit fit? (advisory)
    IF v_cur + 1 <= p_limit AND v_prev > 0 THEN
        -- later in this window, once the previous bucket has faded enough
        v_until := v_base + v_window * (1.0 - (p_limit - 1 - v_cur)::double precision / v_prev);
    ELSE
        -- in the next window, once this window's count (then "previous") has faded enough
        v_until := v_base + v_window
                   + v_window * GREATEST(0.0, 1.0 - (p_limit - 1)::double precision / GREATEST(v_cur, 1));
    END IF;
    RETURN QUERY SELECT false, GREATEST(1, ceil(extract(epoch FROM (v_until - v_now))))::integer;
END
$$;

-- Housekeeping: drop throttle buckets whose newest window started before p_before.
CREATE FUNCTION platform_throttle_prune(p_before timestamptz)
    RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH gone AS (DELETE FROM auth_throttle a WHERE a.window_start < p_before RETURNING 1)
    SELECT count(*) FROM gone
$$;

-- Mail worker: take up to p_limit due mails across tenants. Rows are locked with
-- SKIP LOCKED and leased by pushing next_attempt_at forward, so two workers never get
-- the same mail; a worker that dies leaves the mail due again when the lease ends.
-- attempts counts claims. Call it in its own short transaction, send, then mark.
CREATE FUNCTION platform_claim_mail(p_limit integer, p_lease_seconds integer DEFAULT 300)
    RETURNS SETOF mail_outbox
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH due AS (
        SELECT o.id
          FROM mail_outbox o
         WHERE o.sent_at IS NULL
           AND o.next_attempt_at <= now()
         ORDER BY o.next_attempt_at, o.id
         LIMIT GREATEST(COALESCE(p_limit, 0), 0)
           FOR UPDATE SKIP LOCKED)
    UPDATE mail_outbox m
       SET next_attempt_at = now() + make_interval(secs => GREATEST(COALESCE(p_lease_seconds, 300), 1)),
           attempts = m.attempts + 1
      FROM due
     WHERE m.id = due.id
    RETURNING m.*
$$;

CREATE FUNCTION platform_mark_mail_sent(p_id uuid)
    RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH done AS (
        UPDATE mail_outbox m
           SET sent_at = now(), last_error = NULL
         WHERE m.id = p_id AND m.sent_at IS NULL
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM done)
$$;

-- p_retry_at = 'infinity' gives up on the mail.
CREATE FUNCTION platform_mark_mail_failed(p_id uuid, p_error text, p_retry_at timestamptz)
    RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH done AS (
        UPDATE mail_outbox m
           SET last_error = left(p_error, 2000), next_attempt_at = p_retry_at
         WHERE m.id = p_id AND m.sent_at IS NULL
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM done)
$$;

-- Stripe webhook idempotency. Call in the transaction that applies the event: true if
-- the event is new or was recorded but never processed (the row is then locked, so a
-- concurrent duplicate delivery waits and then sees it processed); false if already
-- processed. Finish with platform_mark_stripe_event_processed in the same transaction.
CREATE FUNCTION platform_record_stripe_event(p_event_id text, p_type text)
    RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH ins AS (
        INSERT INTO stripe_events AS e (id, type)
        VALUES (p_event_id, p_type)
        ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type
        WHERE e.processed_at IS NULL
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM ins)
$$;

CREATE FUNCTION platform_mark_stripe_event_processed(p_event_id text)
    RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH done AS (
        UPDATE stripe_events e SET processed_at = now()
         WHERE e.id = p_event_id AND e.processed_at IS NULL
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM done)
$$;

-- Stripe webhook (customer.subscription.*, invoice.*): the tenant behind a Stripe
-- subscription or customer; a subscription id match wins over a customer id match.
CREATE FUNCTION platform_find_subscription_tenant(p_stripe_customer_id text, p_stripe_subscription_id text)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT s.tenant_id
      FROM subscriptions s
     WHERE (p_stripe_subscription_id IS NOT NULL AND s.stripe_subscription_id = p_stripe_subscription_id)
        OR (p_stripe_customer_id IS NOT NULL AND s.stripe_customer_id = p_stripe_customer_id)
     ORDER BY (s.stripe_subscription_id IS NOT DISTINCT FROM p_stripe_subscription_id) DESC
     LIMIT 1
$$;

-- POST /billing/checkout (p_tenant_id set) and /billing/signup-checkout (p_tenant_id
-- NULL; email, full name and tenant name describe the account to create).
CREATE FUNCTION platform_create_checkout_session(
        p_id text, p_tenant_id uuid, p_email text, p_full_name text, p_tenant_name text,
        p_plan_id text, p_billing_cycle text)
    RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    INSERT INTO checkout_sessions (id, tenant_id, email, full_name, tenant_name, plan_id, billing_cycle)
    VALUES (p_id, p_tenant_id, p_email, p_full_name, p_tenant_name, p_plan_id, p_billing_cycle)
$$;

-- checkout.session.completed: mark an open checkout complete, once. Returns the row
-- (tenant_id NULL = create the account now), or nothing if unknown or already done.
CREATE FUNCTION platform_complete_checkout_session(p_id text)
    RETURNS SETOF checkout_sessions
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    UPDATE checkout_sessions c
       SET status = 'complete', completed_at = now()
     WHERE c.id = p_id AND c.status = 'open'
    RETURNING c.*
$$;

------------------------------------------------------------------------------------------
-- Hand the platform functions to gatehouse_platform and expose them to the server only.
------------------------------------------------------------------------------------------

-- ALTER ... OWNER TO needs the new owner to hold CREATE on the schema; lend it for the
-- hand-over only (revoked below).
DO $lend_create$
BEGIN
    IF NOT pg_catalog.has_schema_privilege('gatehouse_platform', 'public', 'CREATE') THEN
        GRANT CREATE ON SCHEMA public TO gatehouse_platform;
    END IF;
END
$lend_create$;

DO $platform_functions$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace
           AND p.proname LIKE 'platform\_%'
           AND p.prosecdef
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO gatehouse_platform', f);
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO gatehouse_app', f);
    END LOOP;
END
$platform_functions$;

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;

-- Trigger functions are not called directly.
REVOKE ALL ON FUNCTION set_updated_at() FROM PUBLIC;
REVOKE ALL ON FUNCTION forbid_change_append_only() FROM PUBLIC;
