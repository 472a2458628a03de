#!/usr/bin/env python3
"""Renders scripts/bench's results.tsv (name<TAB>value lines) as Markdown, ratios first."""
import sys


def main(path):
    values = {}
    with open(path) as results:
        for line in results:
            name, _, value = line.rstrip("\n").partition("\t")
            values[name] = value

    def number(name):
        text = values.get(name)
        return float(text) if text not in (None, "") else None

    def ratio(top, bottom):
        return f"{top / bottom:.2f}" if top is not None and bottom else "n/a"

    def figure(value, digits=0):
        return "n/a" if value is None else f"{value:,.{digits}f}"

    out = []
    out.append(f"Run: {values.get('meta.date')} · commit {values.get('meta.commit')} · "
               f"{values.get('meta.machine')} · PostgreSQL {values.get('meta.postgres')} · "
               f"{values.get('meta.seconds')} s per case\n")

    out.append("### Ratios (targets from issue 10)\n")
    out.append("| what | ratio | target |")
    out.append("|---|---|---|")
    for c in (16, 64):
        for keys in (1, 1000):
            s, h = number(f"minimal.c{c}.k{keys}.tps"), number(f"trivial.c{c}.rps")
            b = 1 / (1 / s + 1 / h) if s and h else None
            out.append(f"| key-authenticated read ÷ B, c={c}, {keys:,} key{'s' if keys > 1 else ''} | "
                       f"{ratio(number(f'read.c{c}.k{keys}.rps'), b)} | ≥ 0.8 |")
    s, h = number("minimal_verify.c16.k1000.tps"), number("trivial.c16.rps")
    verify_b = 1 / (1 / s + 1 / h) if s and h else None
    out.append(f"| POST /keys/verify ÷ its B, c=16, 1,000 keys | {ratio(number('verify.c16.k1000.rps'), verify_b)} | (reported) |")
    for keys in (1, 1000):
        out.append(f"| hit's cost ÷ bare UPDATE's cost (pgbench), {keys:,} key{'s' if keys > 1 else ''} | "
                   f"{ratio(number(f'update.k{keys}.tps'), number(f'hit.k{keys}.tps'))} | ≤ 1.3 |")
    for c in (16, 64):
        out.append(f"| trivial route: Gatehouse ÷ bare Hummingbird, c={c} | "
                   f"{ratio(number(f'trivial.c{c}.rps'), number(f'bare.c{c}.rps'))} | ≥ 0.7 |")
    for statement in ("hit", "read"):
        for c in (16, 64):
            out.append(f"| libpq layer ÷ postgres-nio, {statement}, c={c} | "
                       f"{ratio(number(f'driver.{statement}.c{c}.libpq.rps'), number(f'driver.{statement}.c{c}.postgres-nio.rps'))} | ≥ 1.0 |")
    hash_seconds, threads = number("argon2.hash_seconds"), number("argon2.threads")
    bound = threads / hash_seconds if hash_seconds and threads else None
    out.append(f"| logins ÷ Argon2 bound (hasher threads ÷ one hash's time) | {ratio(number('opt.login.c8.rps'), bound)} | (reported) |")
    out.append(f"| key-path p99 while logins saturate the hasher ÷ idle p99 (c=16, 1,000 keys) | "
               f"{ratio(number('opt.read_under_login.c16.k1000.p99'), number('read.c16.k1000.p99'))} | ≤ 2 |")
    out.append(f"| usage?since=month: time with 1M log rows ÷ with 10k | "
               f"{ratio(number('opt.usage.10k.rps'), number('opt.usage.1m.rps'))} | ≤ 1.5 |")
    out.append("")

    out.append("### Key-authenticated read (GET /api/v2/tenant/settings) against B = 1/(1/S + 1/H)\n")
    out.append("| c | keys | Gatehouse req/s | p99 ms | S tps (minimal SQL) | S p99 ms | H req/s (trivial route) | H p99 ms | B | ratio |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for c in (16, 64):
        for keys in (1, 1000):
            s, h = number(f"minimal.c{c}.k{keys}.tps"), number(f"trivial.c{c}.rps")
            b = 1 / (1 / s + 1 / h) if s and h else None
            g = number(f"read.c{c}.k{keys}.rps")
            out.append(f"| {c} | {keys:,} | {figure(g)} | {figure(number(f'read.c{c}.k{keys}.p99'), 1)} | "
                       f"{figure(s)} | {figure(number(f'minimal.c{c}.k{keys}.p99'), 1)} | {figure(h)} | "
                       f"{figure(number(f'trivial.c{c}.p99'), 1)} | {figure(b)} | {ratio(g, b)} |")
    out.append("")

    out.append("### POST /api/v2/keys/verify (the caller's hit, then the verified key's) against its B\n")
    out.append("| c | keys | Gatehouse req/s | p99 ms | S tps (two bare UPDATEs) | S p99 ms | H req/s | B | ratio |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    out.append(f"| 16 | 1,000 | {figure(number('verify.c16.k1000.rps'))} | {figure(number('verify.c16.k1000.p99'), 1)} | "
               f"{figure(s)} | {figure(number('minimal_verify.c16.k1000.p99'), 1)} | {figure(h)} | {figure(verify_b)} | "
               f"{ratio(number('verify.c16.k1000.rps'), verify_b)} |")
    out.append("")

    out.append("### The hit against a bare UPDATE (pgbench -M prepared, 16 clients, synchronous_commit off)\n")
    out.append("| keys | platform_api_key_hit tps | p99 ms | bare UPDATE … RETURNING tps | p99 ms | cost ratio |")
    out.append("|---|---|---|---|---|---|")
    for keys in (1, 1000):
        out.append(f"| {keys:,} | {figure(number(f'hit.k{keys}.tps'))} | {figure(number(f'hit.k{keys}.p99'), 1)} | "
                   f"{figure(number(f'update.k{keys}.tps'))} | {figure(number(f'update.k{keys}.p99'), 1)} | "
                   f"{ratio(number(f'update.k{keys}.tps'), number(f'hit.k{keys}.tps'))} |")
    out.append("")

    out.append("### Trivial route (GET /health/live): Gatehouse's middleware vs a bare Hummingbird route\n")
    out.append("| c | Gatehouse req/s | p99 ms | bare Hummingbird req/s | p99 ms | ratio |")
    out.append("|---|---|---|---|---|---|")
    for c in (16, 64):
        out.append(f"| {c} | {figure(number(f'trivial.c{c}.rps'))} | {figure(number(f'trivial.c{c}.p99'), 1)} | "
                   f"{figure(number(f'bare.c{c}.rps'))} | {figure(number(f'bare.c{c}.p99'), 1)} | "
                   f"{ratio(number(f'trivial.c{c}.rps'), number(f'bare.c{c}.rps'))} |")
    out.append("")

    out.append("### The libpq layer vs postgres-nio 1.33.2 (same statements, pools of the same size)\n")
    out.append("| statement | c | libpq layer ops/s | p99 ms | postgres-nio ops/s | p99 ms | ratio |")
    out.append("|---|---|---|---|---|---|---|")
    for statement in ("hit", "read"):
        for c in (16, 64):
            lp, nio = f"driver.{statement}.c{c}.libpq", f"driver.{statement}.c{c}.postgres-nio"
            out.append(f"| {statement} | {c} | {figure(number(lp + '.rps'))} | {figure(number(lp + '.p99'), 1)} | "
                       f"{figure(number(nio + '.rps'))} | {figure(number(nio + '.p99'), 1)} | "
                       f"{ratio(number(lp + '.rps'), number(nio + '.rps'))} |")
    out.append("")

    out.append("### Logins and the Argon2 bound\n")
    out.append(f"- One Argon2id hash (t=2, m=19,456 KiB, p=1, libargon2, median of 20): "
               f"{figure(hash_seconds and hash_seconds * 1000, 1)} ms; bound with {figure(threads)} hasher threads: "
               f"{figure(bound, 1)} logins/s")
    out.append(f"- POST /api/v2/auth/login, 8 connections: {figure(number('opt.login.c8.rps'), 1)} req/s, "
               f"p99 {figure(number('opt.login.c8.p99'), 1)} ms")
    out.append(f"- GET /api/v2/tenant/settings (c=16, 1,000 keys) while 8 connections log in: "
               f"{figure(number('opt.read_under_login.c16.k1000.rps'))} req/s, p99 "
               f"{figure(number('opt.read_under_login.c16.k1000.p99'), 1)} ms (idle: "
               f"{figure(number('read.c16.k1000.p99'), 1)} ms)")
    out.append("")

    out.append("### GET /api/v2/api-keys/{id}/usage?since=month (c=16)\n")
    out.append("| usage_log rows of the key | req/s | p99 ms |")
    out.append("|---|---|---|")
    for label, key in (("10,000", "10k"), ("1,000,000", "1m")):
        out.append(f"| {label} | {figure(number(f'opt.usage.{key}.rps'))} | {figure(number(f'opt.usage.{key}.p99'), 1)} |")
    out.append("")

    out.append("### Memory\n")
    out.append(f"- RSS before load: {figure(number('rss.before_kib') and number('rss.before_kib') / 1024, 1)} MiB; "
               f"peak RSS while 1,000 client connections are open (wrk -c1000, 5 s, sampled every 0.2 s): "
               f"{figure(number('rss.peak_kib') and number('rss.peak_kib') / 1024, 1)} MiB")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
