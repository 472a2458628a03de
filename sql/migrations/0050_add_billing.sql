-- 0050_add_billing.sql
--
-- Issue #9 (billing): plans with Stripe price ids, the tenant's subscription as Stripe says it
-- is, processed webhook events, and pending signup checkouts.
--
--   * plans (0001) already holds the four plans of the contract with their prices and limits.
--     Here they get the Stripe Price ids of the built-in simulator (`price_<plan>_<cycle>`);
--     a deployment on real Stripe overrides them with STRIPE_PRICE_<PLAN>_<CYCLE> (read by
--     the server, see README), so no migration is needed to switch.
--   * subscriptions (0001, one row per tenant, forced RLS) accepts every status Stripe
--     documents, and records when its state was last read from Stripe: the webhook receiver
--     refetches the subscription and writes it only if its read started after the stored
--     one, so a slow, older read never overwrites a newer one.
--   * stripe_events (0001) records each event id once; platform_record_stripe_event /
--     platform_mark_stripe_event_processed (0001) apply it once. Reconciliation (listing
--     Stripe's events after a restart) asks which of a batch are still unprocessed.
--   * checkout_sessions (0001) keeps pending signup checkouts (tenant_id NULL): nothing but
--     this row exists until the checkout completes; an abandoned one expires.
--
-- The limit checks of 0004 / PostgresMessagingRepository read `subscriptions.plan_id` in
-- the writing transaction, so a plan change applies to the next session or message at once.

UPDATE plans
   SET stripe_price_monthly = 'price_' || id || '_monthly',
       stripe_price_yearly  = 'price_' || id || '_yearly'
 WHERE id <> 'free';

ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_status_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_status_check
    CHECK (status IN ('active', 'trialing', 'past_due', 'unpaid', 'canceled',
                      'incomplete', 'incomplete_expired', 'paused'));
-- When the stored Stripe state was read (the start of the read, by the server's clock).
ALTER TABLE subscriptions ADD COLUMN stripe_synced_at timestamptz;

-- Signup checkouts expire like Stripe's Checkout Sessions (24 hours by default).
ALTER TABLE checkout_sessions
    ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours';
CREATE INDEX checkout_sessions_open_expires_idx ON checkout_sessions (expires_at)
    WHERE status = 'open';

------------------------------------------------------------------------------------------
-- Platform functions (no tenant is trusted from the caller: signup checkouts have none yet).
------------------------------------------------------------------------------------------

-- POST /billing/signup-checkout: remember the account to create once Stripe's checkout
-- session p_id completes.
CREATE FUNCTION platform_open_signup_checkout(
        p_id text, p_email text, p_full_name text, p_tenant_name text,
        p_plan_id text, p_billing_cycle text, p_expires_at timestamptz)
    RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    INSERT INTO checkout_sessions (id, tenant_id, email, full_name, tenant_name, plan_id, billing_cycle, expires_at)
    VALUES (p_id, NULL, p_email, p_full_name, p_tenant_name, p_plan_id, p_billing_cycle, p_expires_at)
$$;

-- checkout.session.completed of a signup checkout: marks it complete, once, and answers the
-- account to create (nothing if unknown, not a signup checkout, or already complete). Call it
-- in the transaction that creates the account, so both happen or neither. An expired row
-- still completes: Stripe says the customer paid.
CREATE FUNCTION platform_complete_signup_checkout(p_id text)
    RETURNS TABLE (email text, full_name text, tenant_name text, plan_id text, billing_cycle text)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    UPDATE checkout_sessions c
       SET status = 'complete', completed_at = now()
     WHERE c.id = p_id AND c.tenant_id IS NULL AND c.status <> 'complete'
    RETURNING c.email, c.full_name, c.tenant_name, c.plan_id, c.billing_cycle
$$;

-- Whether p_id is a signup checkout (any state), so its completion is not taken for a
-- tenant's checkout.
CREATE FUNCTION platform_is_signup_checkout(p_id text)
    RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT EXISTS (SELECT 1 FROM checkout_sessions c WHERE c.id = p_id AND c.tenant_id IS NULL)
$$;

-- Housekeeping: open signup checkouts past their expiry become 'expired'.
CREATE FUNCTION platform_expire_signup_checkouts(p_now timestamptz)
    RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH gone AS (
        UPDATE checkout_sessions c SET status = 'expired'
         WHERE c.status = 'open' AND c.tenant_id IS NULL AND c.expires_at <= p_now
        RETURNING 1)
    SELECT count(*) FROM gone
$$;

-- Reconciliation: which of these Stripe event ids have not been applied yet.
CREATE FUNCTION platform_unprocessed_stripe_events(p_ids text[])
    RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT i.id
      FROM unnest(p_ids) AS i (id)
     WHERE NOT EXISTS (SELECT 1 FROM stripe_events e WHERE e.id = i.id AND e.processed_at IS NOT NULL)
$$;

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
    FOREACH f IN ARRAY ARRAY[
        'platform_open_signup_checkout(text, text, text, text, text, text, timestamptz)',
        'platform_complete_signup_checkout(text)',
        'platform_is_signup_checkout(text)',
        'platform_expire_signup_checkouts(timestamptz)',
        'platform_unprocessed_stripe_events(text[])']::regprocedure[]
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO gatehouse_platform', f);
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO gatehouse_app', f);
    END LOOP;
END
$platform_functions$;

REVOKE CREATE ON SCHEMA public FROM gatehouse_platform;
