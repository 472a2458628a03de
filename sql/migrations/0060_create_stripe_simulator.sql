-- 0060_create_stripe_simulator.sql
--
-- Issue #9: the state of Gatehouse's Stripe simulator (GatehouseBilling's StripeSimulator).
-- It plays Stripe's part, so its rows are Stripe's, not Gatehouse's: they live in their own
-- schema `stripe_sim`, hold no tenant data and no RLS, and Gatehouse's own code never reads
-- them (it talks to the simulator over HTTP, exactly as it would to Stripe). In Postgres so
-- that the simulator survives restarts and every replica serves one and the same simulator.
--
-- Times are Stripe's: unix seconds (bigint). A customer attached to a test clock lives at the
-- clock's `frozen_time`; everything else at the server's clock. Delivery bookkeeping of
-- webhooks is about real time (timestamptz).
--
-- Seeded products and prices mirror Gatehouse's plans (API.md; 0001's `plans` table), with
-- stable ids that the README lists: price_{starter,pro,business}_{monthly,yearly}, amounts in
-- cents. The free plan has no price: it needs no checkout.

CREATE SCHEMA stripe_sim;
GRANT USAGE ON SCHEMA stripe_sim TO gatehouse_app;

CREATE TABLE stripe_sim.products (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    description text,
    metadata    jsonb NOT NULL DEFAULT '{}',
    active      boolean NOT NULL DEFAULT true,
    created     bigint NOT NULL
);

CREATE TABLE stripe_sim.prices (
    id           text PRIMARY KEY,
    product      text NOT NULL REFERENCES stripe_sim.products (id),
    unit_amount  bigint NOT NULL CHECK (unit_amount >= 0),
    currency     text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    interval     text NOT NULL CHECK (interval IN ('month', 'year')),
    lookup_key   text UNIQUE,
    nickname     text,
    metadata     jsonb NOT NULL DEFAULT '{}',
    active       boolean NOT NULL DEFAULT true,
    created      bigint NOT NULL
);

CREATE TABLE stripe_sim.test_clocks (
    id           text PRIMARY KEY,
    name         text,
    frozen_time  bigint NOT NULL,
    status       text NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'advancing', 'internal_failure')),
    created      bigint NOT NULL,
    deleted      boolean NOT NULL DEFAULT false
);

CREATE TABLE stripe_sim.customers (
    id            text PRIMARY KEY,
    email         text,
    name          text,
    description   text,
    metadata      jsonb NOT NULL DEFAULT '{}',
    test_clock    text REFERENCES stripe_sim.test_clocks (id),
    -- The default card: last four digits, and whether charging it fails
    -- (Stripe's test card 4000 0000 0000 0341 attaches but every charge is declined).
    card_last4    text,
    card_declines boolean NOT NULL DEFAULT false,
    deleted       boolean NOT NULL DEFAULT false,
    created       bigint NOT NULL
);
CREATE INDEX customers_test_clock_idx ON stripe_sim.customers (test_clock) WHERE test_clock IS NOT NULL;

CREATE TABLE stripe_sim.subscriptions (
    id                    text PRIMARY KEY,
    customer              text NOT NULL REFERENCES stripe_sim.customers (id),
    status                text NOT NULL CHECK (status IN
                            ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
    item_id               text NOT NULL UNIQUE,
    price                 text NOT NULL REFERENCES stripe_sim.prices (id),
    quantity              integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
    current_period_start  bigint NOT NULL,
    current_period_end    bigint NOT NULL,
    billing_cycle_anchor  bigint NOT NULL,
    cancel_at_period_end  boolean NOT NULL DEFAULT false,
    canceled_at           bigint,
    ended_at              bigint,
    latest_invoice        text,
    metadata              jsonb NOT NULL DEFAULT '{}',
    test_clock            text REFERENCES stripe_sim.test_clocks (id),
    created               bigint NOT NULL,
    item_created          bigint NOT NULL
);
CREATE INDEX subscriptions_customer_idx ON stripe_sim.subscriptions (customer);
CREATE INDEX subscriptions_due_idx ON stripe_sim.subscriptions (current_period_end)
    WHERE status IN ('active', 'past_due', 'trialing');

CREATE TABLE stripe_sim.invoices (
    id                    text PRIMARY KEY,
    number                text NOT NULL,
    customer              text NOT NULL REFERENCES stripe_sim.customers (id),
    subscription          text REFERENCES stripe_sim.subscriptions (id),
    price                 text NOT NULL REFERENCES stripe_sim.prices (id),
    quantity              integer NOT NULL DEFAULT 1,
    amount_due            bigint NOT NULL,
    amount_paid           bigint NOT NULL DEFAULT 0,
    currency              text NOT NULL,
    status                text NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'uncollectible', 'void')),
    billing_reason        text NOT NULL,
    attempt_count         integer NOT NULL DEFAULT 0,
    next_payment_attempt  bigint,
    period_start          bigint NOT NULL,
    period_end            bigint NOT NULL,
    paid_at               bigint,
    test_clock            text REFERENCES stripe_sim.test_clocks (id),
    created               bigint NOT NULL
);
CREATE INDEX invoices_subscription_idx ON stripe_sim.invoices (subscription, created DESC);
CREATE INDEX invoices_retry_idx ON stripe_sim.invoices (next_payment_attempt)
    WHERE status = 'open' AND next_payment_attempt IS NOT NULL;

CREATE TABLE stripe_sim.checkout_sessions (
    id                     text PRIMARY KEY,
    mode                   text NOT NULL CHECK (mode = 'subscription'),
    status                 text NOT NULL CHECK (status IN ('open', 'complete', 'expired')),
    payment_status         text NOT NULL CHECK (payment_status IN ('paid', 'unpaid', 'no_payment_required')),
    customer               text REFERENCES stripe_sim.customers (id),
    customer_email         text,
    client_reference_id    text,
    price                  text NOT NULL REFERENCES stripe_sim.prices (id),
    quantity               integer NOT NULL DEFAULT 1,
    success_url            text NOT NULL,
    cancel_url             text,
    metadata               jsonb NOT NULL DEFAULT '{}',
    subscription_metadata  jsonb NOT NULL DEFAULT '{}',
    subscription           text REFERENCES stripe_sim.subscriptions (id),
    invoice                text REFERENCES stripe_sim.invoices (id),
    created                bigint NOT NULL,
    expires_at             bigint NOT NULL
);

CREATE TABLE stripe_sim.billing_portal_sessions (
    id          text PRIMARY KEY,
    customer    text NOT NULL REFERENCES stripe_sim.customers (id),
    return_url  text,
    created     bigint NOT NULL
);

-- Events in the order they happened (`seq`); `payload` is the event exactly as delivered.
CREATE TABLE stripe_sim.events (
    seq      bigserial UNIQUE,
    id       text PRIMARY KEY,
    type     text NOT NULL,
    created  bigint NOT NULL,
    payload  text NOT NULL
);
CREATE INDEX events_type_idx ON stripe_sim.events (type, seq);

-- One delivery per event to the configured endpoint, retried with exponential backoff
-- until a 2xx or `attempts` reaches the configured bound (then `failed`).
CREATE TABLE stripe_sim.webhook_deliveries (
    event_id              text PRIMARY KEY REFERENCES stripe_sim.events (id),
    endpoint_url          text NOT NULL,
    status                text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts              integer NOT NULL DEFAULT 0,
    next_attempt_at       timestamptz NOT NULL,
    last_attempt_at       timestamptz,
    last_response_status  integer,
    last_error            text,
    delivered_at          timestamptz
);
CREATE INDEX webhook_deliveries_due_idx ON stripe_sim.webhook_deliveries (next_attempt_at) WHERE status = 'pending';

-- Idempotency-Key: the first answer to a key, replayed for the same request; a different
-- request (method, path or parameters: `fingerprint`) with the same key is refused. `key` is
-- `<account>:<Idempotency-Key>`: keys are per API key, as they are per account on Stripe.
CREATE TABLE stripe_sim.idempotency_keys (
    key              text PRIMARY KEY,
    fingerprint      text NOT NULL,
    response_status  integer,          -- NULL while the first request is still running
    response_body    text,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Test-only faults: the next `remaining` API requests of `account` whose path starts with
-- `path_prefix` answer `status` with Stripe's api_error (POST /stripe-sim/sim/faults): before
-- doing anything, or, with `after_handling`, after the request was carried out (a lost answer).
-- `account` (here and in idempotency keys) is a digest of the caller's API key, never the key.
CREATE TABLE stripe_sim.faults (
    id              bigserial PRIMARY KEY,
    account         text NOT NULL,
    method          text,
    path_prefix     text NOT NULL,
    status          integer NOT NULL CHECK (status BETWEEN 400 AND 599),
    after_handling  boolean NOT NULL DEFAULT false,
    remaining       integer NOT NULL CHECK (remaining >= 0)
);

INSERT INTO stripe_sim.products (id, name, description, metadata, created) VALUES
    ('prod_starter',  'Gatehouse Starter',  'Starter plan',  '{"plan_id": "starter"}',  1767225600),
    ('prod_pro',      'Gatehouse Pro',      'Pro plan',      '{"plan_id": "pro"}',      1767225600),
    ('prod_business', 'Gatehouse Business', 'Business plan', '{"plan_id": "business"}', 1767225600);

INSERT INTO stripe_sim.prices (id, product, unit_amount, currency, interval, lookup_key, nickname, metadata, created) VALUES
    ('price_starter_monthly',  'prod_starter',   900,   'usd', 'month', 'starter_monthly',  'Starter monthly',  '{"plan_id": "starter", "billing_cycle": "monthly"}',  1767225600),
    ('price_starter_yearly',   'prod_starter',   9000,  'usd', 'year',  'starter_yearly',   'Starter yearly',   '{"plan_id": "starter", "billing_cycle": "yearly"}',   1767225600),
    ('price_pro_monthly',      'prod_pro',       2900,  'usd', 'month', 'pro_monthly',      'Pro monthly',      '{"plan_id": "pro", "billing_cycle": "monthly"}',      1767225600),
    ('price_pro_yearly',       'prod_pro',       29000, 'usd', 'year',  'pro_yearly',       'Pro yearly',       '{"plan_id": "pro", "billing_cycle": "yearly"}',       1767225600),
    ('price_business_monthly', 'prod_business',  9900,  'usd', 'month', 'business_monthly', 'Business monthly', '{"plan_id": "business", "billing_cycle": "monthly"}', 1767225600),
    ('price_business_yearly',  'prod_business',  99000, 'usd', 'year',  'business_yearly',  'Business yearly',  '{"plan_id": "business", "billing_cycle": "yearly"}',  1767225600);

-- The server's role runs the simulator: it reads and writes these tables, owns none of them.
GRANT SELECT ON stripe_sim.products, stripe_sim.prices TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE ON
    stripe_sim.test_clocks, stripe_sim.customers, stripe_sim.subscriptions, stripe_sim.invoices,
    stripe_sim.checkout_sessions, stripe_sim.billing_portal_sessions, stripe_sim.events,
    stripe_sim.webhook_deliveries
    TO gatehouse_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON stripe_sim.idempotency_keys, stripe_sim.faults TO gatehouse_app;
GRANT USAGE, SELECT ON SEQUENCE stripe_sim.events_seq_seq, stripe_sim.faults_id_seq TO gatehouse_app;
