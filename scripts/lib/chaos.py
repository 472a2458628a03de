"""Fault cases for scripts/chaos: replicas, PgBouncer, a database restart, SIGTERM and SIGKILL.

Run by scripts/chaos, which starts the throwaway PostgreSQL, migrates it and exports its URLs,
GATEHOUSE_BIN, a master key and the PgBouncer address. Every case is bounded in requests and
time and sends traffic to 127.0.0.1 only. Prints one JSON line per case and writes them all to
the file named by CHAOS_RESULTS; exits non-zero when a case misses its goal.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BIN = os.environ["GATEHOUSE_BIN"]
MASTER_KEY = os.environ["CHAOS_MASTER_KEY"]
DIRECT_URL = os.environ["DATABASE_URL"]
BOUNCER_URL = os.environ["CHAOS_PGBOUNCER_URL"]
ADMIN_URL = os.environ["TEST_ADMIN_DATABASE_URL"]
PG_DATA = os.environ["THROWAWAY_PG_DIR"] + "/data"
PG_BIN = os.environ["THROWAWAY_PG_BINDIR"]
RESULTS = os.environ["CHAOS_RESULTS"]
WORK = tempfile.mkdtemp(prefix="gatehouse-chaos.")
ROUTE = "/api/v2/tenant/settings"


class Replica:
    """One `gatehouse serve` on a port the kernel picks, read back from its log."""

    def __init__(self, name: str, database_url: str, **environment: str) -> None:
        self.name = name
        self.log_path = os.path.join(WORK, re.sub(r"[^A-Za-z0-9]+", "-", name) + ".log")
        env = {
            "PATH": os.environ["PATH"], "HOST": "127.0.0.1", "PORT": "0",
            "DATABASE_URL": database_url,
            "KEY_PEPPER": os.environ["KEY_PEPPER"], "JWT_SIGNING_KEY": os.environ["JWT_SIGNING_KEY"],
            "MIGRATIONS_DIR": os.environ["MIGRATIONS_DIR"], "OPENAPI_SPEC": os.environ["OPENAPI_SPEC"],
            "LOG_FORMAT": "json", "LOG_LEVEL": "info", "DB_POOL_SIZE": "8",
            "USAGE_FLUSH_INTERVAL_MS": "1000", "MAIL_TRANSPORT": "log",
            **environment,
        }
        self.stopping = False
        self.process = subprocess.Popen([BIN, "serve"], env=env, stdout=open(self.log_path, "w"),
                                        stderr=subprocess.STDOUT)
        self.port = self._wait_for_port()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(self.log_path).read())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start:\n{open(self.log_path).read()[-3000:]}")

    def signal(self, number: int) -> None:
        self.stopping = True
        self.process.send_signal(number)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def admin_key(replica: Replica, rate_limit_general: int) -> tuple[str, str]:
    """A managed key with every scope (new tenant) and the given requests per minute."""
    body = json.dumps({"name": "chaos", "type": "standard", "rate_limit_general": rate_limit_general}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{replica.port}/api/v2/admin/api-keys", data=body,
                                     method="POST", headers={"X-API-Key": MASTER_KEY, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        key = json.loads(response.read())["api_key"]
    return key["key"], key["id"]


class Load:
    """`threads` workers send GET ROUTE with `key` round-robin over `replicas` until `total`
    requests are sent or `seconds` pass. A replica that refuses connections (stopped) is skipped
    from then on: those requests are counted as `refused`, and retried on another replica."""

    def __init__(self, replicas: list[Replica], key: str, total: int, threads: int, seconds: float) -> None:
        self.replicas, self.key, self.total, self.seconds = replicas, key, total, seconds
        self.lock = threading.Lock()
        self.sent = 0
        self.statuses: dict[int, int] = {}
        self.per_replica: dict[str, dict[int, int]] = {r.name: {} for r in replicas}
        self.refused = 0
        self.errors: list[str] = []
        self.down: set[str] = set()
        self.workers = [threading.Thread(target=self._work, args=(i,)) for i in range(threads)]

    def run(self) -> "Load":
        self.deadline = time.monotonic() + self.seconds
        for worker in self.workers:
            worker.start()
        return self

    def join(self) -> "Load":
        for worker in self.workers:
            worker.join()
        return self

    def _next(self) -> bool:
        with self.lock:
            if self.sent >= self.total or time.monotonic() > self.deadline:
                return False
            self.sent += 1
            return True

    def _work(self, index: int) -> None:
        connections: dict[str, http.client.HTTPConnection] = {}
        turn = index
        while self._next():
            while True:
                live = [r for r in self.replicas if r.name not in self.down]
                if not live:
                    return
                replica = live[turn % len(live)]
                turn += 1
                connection = connections.get(replica.name) or http.client.HTTPConnection("127.0.0.1", replica.port, timeout=30)
                connections[replica.name] = connection
                try:
                    connection.request("GET", ROUTE, headers={"X-API-Key": self.key})
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                        connections.pop(replica.name, None)
                    break
                except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected,
                        BrokenPipeError) as error:
                    connection.close()
                    connections.pop(replica.name, None)
                    with self.lock:
                        if replica.stopping:
                            # The case stopped this replica (it closes idle keep-alive
                            # connections, then refuses new ones): route around it.
                            self.down.add(replica.name)
                            self.refused += 1
                            continue
                        self.errors.append(f"{replica.name}: {error!r}")
                    status = -1
                    break
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                bucket = self.per_replica[replica.name]
                bucket[status] = bucket.get(status, 0) + 1

    def count(self, predicate) -> int:
        return sum(n for status, n in self.statuses.items() if predicate(status))


def psql(sql: str) -> str:
    return subprocess.run(["psql", ADMIN_URL.replace("/postgres?", "/gatehouse?"), "-Atqc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def logged_ok(key_id: str) -> int:
    return int(psql(f"SELECT count(*) FROM usage_log WHERE api_key_id = '{key_id}' AND status_code = 200"))


def wait_logged(key_id: str, expected: int, seconds: float = 15) -> int:
    deadline = time.monotonic() + seconds
    found = logged_ok(key_id)
    while found < expected and time.monotonic() < deadline:
        time.sleep(0.25)
        found = logged_ok(key_id)
    return found


results: list[dict] = []
failed = False


def report(case: str, goal_met: bool, **figures) -> None:
    global failed
    failed |= not goal_met
    line = {"case": case, "goal_met": goal_met, **figures}
    results.append(line)
    print(json.dumps(line), flush=True)


def at_start_of_minute() -> None:
    """Waits until a minute has just begun (wall clock). The limit is a sliding window over
    fixed UTC minutes: a run that crosses a minute's end (correctly) admits part of the next
    minute's share, so "exactly 600" holds only for a run inside one minute (each run is
    bounded to 50 s)."""
    second = time.time() % 60
    if second > 2:
        time.sleep(60 - second + 0.2)


def exact_limit_case(case: str, database_url: str, **environment: str) -> None:
    replicas = [Replica(f"{case} {i}", database_url, **environment) for i in range(3)]
    try:
        key, key_id = admin_key(replicas[0], rate_limit_general=600)
        at_start_of_minute()
        started = time.monotonic()
        load = Load(replicas, key, total=10_000, threads=16, seconds=50).run().join()
        elapsed = time.monotonic() - started
        admitted = load.count(lambda s: s == 200)
        server_errors = load.count(lambda s: s >= 500)
        report(case, admitted == 600 and server_errors == 0 and not load.errors and load.sent == 10_000,
               requests=load.sent, admitted=admitted, limited=load.count(lambda s: s == 429),
               server_errors=server_errors, connection_errors=len(load.errors), seconds=round(elapsed, 1),
               per_replica=load.per_replica)
    finally:
        for replica in replicas:
            replica.stop()


def restart_case() -> None:
    replicas = [Replica(f"restart {i}", DIRECT_URL) for i in range(3)]
    try:
        key, key_id = admin_key(replicas[0], rate_limit_general=0)
        load = Load(replicas, key, total=1_000_000, threads=8, seconds=8).run()
        time.sleep(2)
        # -l: the new server logs to its file, not to pg_ctl's output (it would hold it open).
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "restart", "-D", PG_DATA,
                        "-m", "fast", "-w", "-t", "60", "-l", os.path.join(os.path.dirname(PG_DATA), "postgres.log")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
        restarted_at = time.monotonic()
        load.join()
        ok = load.count(lambda s: s == 200)
        unavailable = load.count(lambda s: s == 503)
        other_errors = load.count(lambda s: s >= 500 and s != 503)
        logged = wait_logged(key_id, ok)
        report("postgres restarted mid-load", other_errors == 0 and not load.errors and logged == ok,
               requests=load.sent, ok=ok, unavailable_503=unavailable, other_5xx=other_errors,
               connection_errors=len(load.errors), usage_rows_for_ok=logged,
               note="goal for 503s is 0: a connection the restart closed is replaced before anything is sent on it; "
                    "a statement in flight at the moment the server stops is a 503 (a write is never sent twice); measured, not gated")
    finally:
        for replica in replicas:
            replica.stop()


def stop_case(case: str, sig: int) -> None:
    replicas = [Replica(f"{case} {i}", DIRECT_URL, USAGE_FLUSH_INTERVAL_MS="1000") for i in range(3)]
    try:
        key, key_id = admin_key(replicas[0], rate_limit_general=0)
        load = Load(replicas, key, total=1_000_000, threads=8, seconds=6).run()
        time.sleep(2)
        victim = replicas[1]
        victim.signal(sig)
        exit_code = victim.process.wait(timeout=60)
        load.join()
        ok = load.count(lambda s: s == 200)
        victim_ok = load.per_replica[victim.name].get(200, 0)
        server_errors = load.count(lambda s: s >= 500)
        others = [r for r in replicas if r is not victim]
        for replica in others:
            replica.stop()
        logged = wait_logged(key_id, ok, seconds=5)
        if sig == signal.SIGTERM:
            report(case, exit_code == 0 and server_errors == 0 and not load.errors and logged == ok,
                   requests=load.sent, ok=ok, ok_on_stopped_replica=victim_ok, exit_code=exit_code,
                   server_errors=server_errors, connection_errors=len(load.errors),
                   rerouted_after_stop=load.refused, usage_rows_for_ok=logged)
        else:
            report(case, server_errors == 0 and logged >= ok - victim_ok,
                   requests=load.sent, ok=ok, ok_on_killed_replica=victim_ok, exit_code=exit_code,
                   server_errors=server_errors, connection_errors=len(load.errors),
                   usage_rows_for_ok=logged, lost_usage_records=ok - logged,
                   note="SIGKILL loses at most the killed replica's unflushed queue (USAGE_FLUSH_INTERVAL_MS=1000)")
    finally:
        for replica in replicas:
            replica.stop()


cases = os.environ.get("CHAOS_CASES", "replicas,pgbouncer,restart,sigterm,sigkill").split(",")
try:
    if "replicas" in cases:
        exact_limit_case("3 replicas, one key at 600/min, 10,000 requests", DIRECT_URL)
    if "pgbouncer" in cases:
        exact_limit_case("the same through PgBouncer (transaction mode)", BOUNCER_URL, DB_PREPARED_STATEMENTS="false")
    if "restart" in cases:
        restart_case()
    if "sigterm" in cases:
        stop_case("SIGTERM to one of 3 replicas mid-load", signal.SIGTERM)
    if "sigkill" in cases:
        stop_case("SIGKILL to one of 3 replicas mid-load", signal.SIGKILL)
finally:
    with open(RESULTS, "w") as handle:
        json.dump(results, handle, indent=2)
sys.exit(1 if failed else 0)
