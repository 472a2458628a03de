#!/usr/bin/env python3
"""Prints the hit's own UPDATE … RETURNING as a bare pgbench statement (issue 10's baseline:
"a bare UPDATE … RETURNING with the hit's window and spend arithmetic").

It is cut out of the newest migration that defines platform_api_key_hit, and the function's
variables are replaced by the same expressions over now(), so the baseline never drifts from
the function it is compared with. The hash comes from bench_hashes (see scripts/bench); the
call is charged nothing and has no extra class, as in the benchmark's requests.

    bench-bare-update.py [KEY_VARIABLE [TENANT_VARIABLE]]

KEY_VARIABLE (default k) numbers the key; TENANT_VARIABLE, when given, restricts the UPDATE to
that tenant, as POST /keys/verify's second hit is.
"""
import glob
import re
import sys

migrations = sorted(glob.glob("sql/migrations/*.sql"))
source = next((open(path).read() for path in reversed(migrations)
               if "FUNCTION platform_api_key_hit(" in open(path).read()), None)
if source is None:
    sys.exit("bench-bare-update: no migration defines platform_api_key_hit")
body = source[source.index("FUNCTION platform_api_key_hit("):]
match = re.search(r"(UPDATE api_keys k SET.*?RETURNING.*?);", body, re.S)
if match is None:
    sys.exit("bench-bare-update: the hit's UPDATE … RETURNING was not found")
statement = match.group(1)

key_variable = sys.argv[1] if len(sys.argv) > 1 else "k"
tenant = f"(:{sys.argv[2]})::uuid" if len(sys.argv) > 2 else "NULL::uuid"
minute_start = "date_bin('1 minute', now(), 'epoch')"
hour_start = "date_bin('1 hour', now(), 'epoch')"
replacements = {
    "v_rl_start": minute_start,
    "v_ses_start": hour_start,
    "v_rl_w": f"(1.0 - extract(epoch FROM (now() - {minute_start}))::double precision / 60)",
    "v_ses_w": f"(1.0 - extract(epoch FROM (now() - {hour_start}))::double precision / 3600)",
    "v_minute": "interval '1 minute'",
    "v_hour": "interval '1 hour'",
    "v_now": "now()",
    "v_cost": "0::numeric",
    "p_class": "NULL::text",
    "p_tenant_id": tenant,
    "v_hash": f"(SELECT key_hash FROM bench_hashes WHERE n = :{key_variable})",
}
for name, expression in replacements.items():
    statement = re.sub(rf"\b{name}\b", expression, statement)
leftover = re.findall(r"\b[vp]_[a-z_]+\b", statement)
if leftover:
    sys.exit(f"bench-bare-update: unknown variables in the hit's UPDATE: {sorted(set(leftover))}")
lines = [line.split("--")[0].strip() for line in statement.splitlines()]
# pgbench reads one statement per line unless continued; the tenant goes to :tenant_id.
print(" ".join(line for line in lines if line) + r" \gset")
