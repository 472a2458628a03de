-- 0032_drop_unused_platform_functions.sql
--
-- Narrow the server's reach (issue 8, item 9): SECURITY DEFINER functions nobody calls are
-- only attack surface.
--   * platform_create_checkout_session and platform_complete_checkout_session (0001) took a
--     caller-supplied tenant id and handed back any checkout row: the billing code uses its
--     own narrower signup-checkout functions, and a tenant's checkout runs in its tenant scope.
--   * platform_admin_list_api_keys (0001) was replaced by platform_admin_list_keys (0004).
-- (platform_create_master_key is out of the server's reach since 0031.)

DROP FUNCTION platform_create_checkout_session(text, uuid, text, text, text, text, text);
DROP FUNCTION platform_complete_checkout_session(text);
DROP FUNCTION platform_admin_list_api_keys(boolean, text, integer, timestamptz, uuid);
