-- 0011_create_usage_rollups.sql
--
-- Issue #9 (item 6): the /usage endpoints and the usage block of GET /billing/subscription
-- are answered from small rollup tables, never by scanning messages or meter_events:
--
--   * usage_session_daily: messages sent and received per session per UTC day. Kept by a
--     trigger on messages, so every path that sends, approves or receives is counted the
--     same way as messaging_sessions.messages_sent: an outbound message counts when it
--     goes out (inserted as `sent`, or approved later, on the approval's day); an inbound
--     one when it is received.
--   * usage_meter_monthly: the `ai_replies` counter of POST /usage/events per UTC month.
--   * usage_meter_gauges: the latest value of the `groups` and `labels` gauges (latest by
--     the event's `at`; an older event arriving late does not replace a newer value).
--
-- API calls and cost come from usage_daily (0001). Tenant tables: tenant_isolation as
-- everywhere, written by the server role inside the tenant's scope.

CREATE TABLE usage_session_daily (
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    session_id         uuid NOT NULL,
    day                date NOT NULL,                  -- UTC day
    messages_sent      bigint NOT NULL DEFAULT 0,
    messages_received  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, session_id),
    CONSTRAINT usage_session_daily_session_fk FOREIGN KEY (tenant_id, session_id)
        REFERENCES messaging_sessions (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE usage_meter_monthly (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    meter      text NOT NULL CHECK (meter IN ('ai_replies')),
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    quantity   bigint NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    PRIMARY KEY (tenant_id, meter, month)
);

CREATE TABLE usage_meter_gauges (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    meter      text NOT NULL CHECK (meter IN ('groups', 'labels')),
    value      bigint NOT NULL CHECK (value >= 0),
    at         timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, meter)
);

DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['usage_session_daily', 'usage_meter_monthly', 'usage_meter_gauges']
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format(
            'CREATE POLICY tenant_isolation ON %I '
            'USING (tenant_id = (SELECT app_current_tenant_id())) '
            'WITH CHECK (tenant_id = (SELECT app_current_tenant_id()))', t);
        EXECUTE pg_catalog.format('GRANT SELECT, INSERT, UPDATE ON %I TO gatehouse_app', t);
    END LOOP;
END
$rls$;

-- Runs as the caller (the server, inside the tenant's scope): no privileges of its own.
CREATE FUNCTION usage_count_message() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp
    AS $$
DECLARE
    v_sent bigint := 0;
    v_received bigint := 0;
    v_day date;
BEGIN
    IF NEW.direction = 'outbound' AND NEW.status = 'sent'
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'sent') THEN
        v_sent := 1;
        v_day := ((CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at ELSE COALESCE(NEW.approved_at, now()) END)
                  AT TIME ZONE 'UTC')::date;
    ELSIF TG_OP = 'INSERT' AND NEW.direction = 'inbound' THEN
        v_received := 1;
        v_day := (NEW.created_at AT TIME ZONE 'UTC')::date;
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO usage_session_daily AS u (tenant_id, session_id, day, messages_sent, messages_received)
    VALUES (NEW.tenant_id, NEW.session_id, v_day, v_sent, v_received)
    ON CONFLICT (tenant_id, day, session_id) DO UPDATE SET
        messages_sent = u.messages_sent + EXCLUDED.messages_sent,
        messages_received = u.messages_received + EXCLUDED.messages_received;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION usage_count_message() FROM PUBLIC;

CREATE TRIGGER messages_usage_count
    AFTER INSERT OR UPDATE OF status ON messages
    FOR EACH ROW EXECUTE FUNCTION usage_count_message();

-- What was stored before this migration, tenant by tenant (the owner, too, sees tenant rows
-- only inside a tenant's scope; subscriptions, one per tenant, is readable to it as a member
-- of gatehouse_platform).
DO $backfill$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT s.tenant_id FROM subscriptions s LOOP
        PERFORM pg_catalog.set_config('app.tenant_id', t::text, true);

        INSERT INTO usage_session_daily (tenant_id, session_id, day, messages_sent, messages_received)
        SELECT m.tenant_id, m.session_id,
               ((CASE WHEN m.direction = 'outbound' THEN COALESCE(m.approved_at, m.created_at)
                      ELSE m.created_at END) AT TIME ZONE 'UTC')::date,
               count(*) FILTER (WHERE m.direction = 'outbound'),
               count(*) FILTER (WHERE m.direction = 'inbound')
          FROM messages m
         WHERE m.status IN ('sent', 'received')
         GROUP BY 1, 2, 3;

        INSERT INTO usage_meter_monthly (tenant_id, meter, month, quantity)
        SELECT e.tenant_id, e.meter, date_trunc('month', e.at AT TIME ZONE 'UTC')::date, sum(e.quantity)
          FROM meter_events e
         WHERE e.meter = 'ai_replies'
         GROUP BY 1, 2, 3;

        INSERT INTO usage_meter_gauges (tenant_id, meter, value, at)
        SELECT DISTINCT ON (e.meter) e.tenant_id, e.meter, e.quantity, e.at
          FROM meter_events e
         WHERE e.meter IN ('groups', 'labels')
         ORDER BY e.meter, e.at DESC, e.created_at DESC;
    END LOOP;
    PERFORM pg_catalog.set_config('app.tenant_id', '', true);
END
$backfill$;
