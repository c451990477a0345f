#!/usr/bin/env python3
"""Races this server against the original Flask service on the same MariaDB, with wrk
(or, with --compare BEFORE_BINARY, an earlier build of this server against this one).

Started by bench/run.sh (which installs wrk, sysbench and the original's venv, and builds the
release binary). Loopback only; every run is bounded in time. Prints a table and writes
bench/RESULTS.md. Nothing here asserts timings: it measures and reports.
"""
import argparse
import datetime
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import json

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".ci"))
from boardlib import free_port, http, mariadb, wait_ready  # noqa: E402

DB_USER, DB_PASS = "board_bench", "board-bench-password"
JWT_KEY = "bench-secret-bench-secret-bench-secret-0123"
QUICK = os.environ.get("QUICK") == "1"
RUNS = 1 if QUICK else 3
DURATION = 2 if QUICK else 5
CONNECTIONS = 64
SEED_POSTS = 1000


def fresh_database(name):
    mariadb(f"drop database if exists `{name}`; create database `{name}` character set utf8mb4")
    mariadb(f"create user if not exists '{DB_USER}'@'127.0.0.1' identified by '{DB_PASS}'; "
            f"grant all on *.* to '{DB_USER}'@'127.0.0.1'")


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def process_tree(pid):
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            with open(f"/proc/{parent}/task/{parent}/children") as children:
                kids = [int(k) for k in children.read().split()]
        except FileNotFoundError:
            kids = []
        pids += kids
        frontier += kids
    return pids


class Server:
    name = ""

    def __init__(self):
        self.process = None
        self.port = free_port()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def pids(self):
        return process_tree(self.process.pid)

    def wait_ready(self, path, timeout=120):
        return wait_ready(self.base, self.process, path, timeout)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


class RustServer(Server):
    name = "board (Rust)"
    database = "board_bench_rust"

    def __init__(self, binary, extra_env=None):
        super().__init__()
        self.binary = os.path.abspath(binary)
        self.extra_env = extra_env or {}
        self.log = os.path.join(tempfile.gettempdir(), "board-bench-rust.log")

    def start(self):
        env = {
            "PATH": os.environ["PATH"],
            "DATABASE_URL": f"mysql://{DB_USER}:{DB_PASS}@127.0.0.1:3306/{self.database}",
            "JWT_SECRET_KEY": JWT_KEY, "HOST": "127.0.0.1", "PORT": str(self.port),
            # The login limit would answer 429 to a load test; it is measured without it.
            "LOGIN_RATE_PER_MINUTE": "0", "RUST_LOG": "warn",
            # Each run's own index folder (a server refuses a folder another one holds).
            "SEARCH_INDEX_DIR": os.path.join(tempfile.gettempdir(), f"board-bench-search-{self.port}"),
            **self.extra_env,
        }
        self.process = subprocess.Popen([self.binary], env=env, stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        return self.wait_ready("/health/ready")

    def after_bulk_insert(self):
        # Posts written by SQL pass by the counters the server keeps with its writes: recount
        # them (the author recount is the README's, for upgrades).
        mariadb("update board_stats set live_count = case when id = 0 then "
                "(select count(*) from board where deleted_at is null) else 0 end; "
                "update author_stats a set live_count = "
                "(select count(*) from board b where b.user_id = a.user_id and b.deleted_at is null)",
                self.database)


class FlaskServer(Server):
    """The original service exactly as it ran in production: its own migrations, gunicorn -w 4."""
    name = "original (Flask)"
    database = "board_bench_flask"

    def __init__(self, original, venv):
        super().__init__()
        self.workdir = tempfile.mkdtemp(prefix="board-bench-flask-")
        shutil.copytree(original, self.workdir, dirs_exist_ok=True)
        self.venv = venv
        self.log = os.path.join(tempfile.gettempdir(), "board-bench-flask.log")
        self.env = {
            "PATH": f"{venv}/bin:" + os.environ["PATH"], "FLASK_APP": "board",
            "MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": "3306", "MYSQL_USER": DB_USER,
            "MYSQL_PASSWORD": DB_PASS, "MYSQL_DATABASE": self.database, "JWT_SECRET_KEY": JWT_KEY,
        }

    def start(self):
        subprocess.run([f"{self.venv}/bin/flask", "db", "upgrade"], cwd=self.workdir, env=self.env, check=True,
                       capture_output=True)
        self.process = subprocess.Popen(
            [f"{self.venv}/bin/gunicorn", "-w", "4", "-b", f"127.0.0.1:{self.port}", "board:create_app()"],
            cwd=self.workdir, env=self.env, stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        return self.wait_ready("/api/board/boards")

    def after_bulk_insert(self):
        pass


def bulk_insert_posts(database, user_id, count, start="2024-01-01"):
    """`count` posts one second apart, straight into the table (not through the API)."""
    mariadb("create table if not exists bench_nums (n int primary key); "
            "insert ignore into bench_nums (n) select seq from seq_0_to_999", database)
    mariadb(f"insert into board (id, user_id, title, content, created_at) "
            f"select uuid(), '{user_id}', concat('post ', a.n * 1000 + b.n), repeat('content ', 30), "
            f"timestamp('{start}') + interval (a.n * 1000 + b.n) second "
            f"from bench_nums a join bench_nums b where a.n * 1000 + b.n < {count}", database)


def seed(server):
    email, password = "bench@example.com", "bench-password-1"
    status, _ = http("POST", server.base + "/api/user/signup", {"email": email, "password": password})
    assert status in (200, 201), status
    status, body = http("POST", server.base + "/api/user/login", {"email": email, "password": password})
    token = body["accessToken"]
    user_id = mariadb(f"select id from user where email = '{email}'", server.database)
    bulk_insert_posts(server.database, user_id, SEED_POSTS)
    server.after_bulk_insert()
    post_id = mariadb("select id from board order by created_at desc limit 1 offset 10", server.database)
    # The login scenarios log in a user of their own: a user keeps at most 50 sessions, so
    # logging in `email` thousands of times would end the session of `token`.
    login_email = "bench-login@example.com"
    status, _ = http("POST", server.base + "/api/user/signup", {"email": login_email, "password": password})
    assert status in (200, 201), status
    return {"email": email, "password": password, "token": token, "post": post_id, "login_email": login_email}


LUA = {
    "create": """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = '{{"title": "bench title", "content": "bench content, 한국어 포함"}}'
""",
    "update": """
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = '{{"title": "updated title", "content": "updated content"}}'
""",
    "login": """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{{"email": "{login_email}", "password": "{password}"}}'
""",
    # Creates that cycle over SESSIONS sessions: most requests find no fresh "session still
    # live" verdict in the server's cache and pay the lookup.
    "create_many": """
local tokens = {{ {tokens} }}
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/board", {{["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]}}, '{{"title": "bench title", "content": "bench content"}}')
end
""",
    # A client that has the post already (304 from a server with ETags).
    "revalidate": """
wrk.headers["If-None-Match"] = "{etag}"
""",
    "mixed": """
local n = 0
request = function()
  n = n + 1
  if n % 10 == 0 then
    return wrk.format("POST", "/api/board", {{["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer {token}"}}, '{{"title": "mixed", "content": "mixed content"}}')
  elseif n % 2 == 0 then
    return wrk.format("GET", "/api/board/{post}")
  else
    return wrk.format("GET", "/api/board/boards?page=1&per_page=20")
  end
end
""",
}


SESSIONS = 200


def board_scenarios(server, seeded):
    """Scenarios of this server only (the original has no sessions to check)."""
    # One session each for SESSIONS users (a user keeps at most 50 live sessions).
    tokens = []
    for i in range(SESSIONS):
        credentials = {"email": f"session-{i}@example.com", "password": seeded["password"]}
        http("POST", server.base + "/api/user/signup", credentials)
        status, body = http("POST", server.base + "/api/user/login", credentials)
        assert status == 200, status
        tokens.append(body["accessToken"])
    with urllib.request.urlopen(f"{server.base}/api/board/{seeded['post']}", timeout=10) as response:
        etag = response.headers.get("ETag") or '"none"'
    seeded = dict(seeded, tokens=", ".join(f'"{token}"' for token in tokens), etag=etag.replace('"', '\\"'))
    return seeded, [
        (f"POST create, {SESSIONS} sessions", "/api/board", "create_many", CONNECTIONS),
        ("GET one, If-None-Match", f"/api/board/{seeded['post']}", "revalidate", CONNECTIONS),
    ]


def session_rows(database):
    """Rows of the session table, or None before it existed."""
    try:
        return int(mariadb("select count(*) from user_session", database))
    except subprocess.CalledProcessError:
        return None


def scenarios(seeded):
    post = seeded["post"]
    deep = SEED_POSTS // 20
    return [
        ("GET one", f"/api/board/{post}", None, CONNECTIONS),
        ("GET list page 1", "/api/board/boards?page=1&per_page=20", None, CONNECTIONS),
        (f"GET list page {deep}", f"/api/board/boards?page={deep}&per_page=20", None, CONNECTIONS),
        ("POST create", "/api/board", "create", CONNECTIONS),
        ("PUT update", f"/api/board/{post}", "update", CONNECTIONS),
        ("login", "/api/user/login", "login", CONNECTIONS),
        ("mixed 90/10", "/", "mixed", CONNECTIONS),
        # Last: a server that cannot keep up keeps working off this backlog long after wrk stops.
        ("login x256 conns", "/api/user/login", "login", 256),
    ]


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse_ms(text):
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(match.group(1)) * UNITS[match.group(2)]


def wrk(base, path, script, seeded, connections, duration):
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    script_file = None
    if script:
        script_file = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script_file.write(LUA[script].format(**seeded))
        script_file.close()
        args += ["-s", script_file.name]
    out = subprocess.run(args + [base + path], capture_output=True, text=True, timeout=duration + 60).stdout
    if script_file:
        os.unlink(script_file.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = parse_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = parse_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors}


def settle(server, limit=180):
    """Waits until the server has worked off any backlog of an earlier run (answers fast)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        begin = time.monotonic()
        try:
            urllib.request.urlopen(server.base + "/api/board/boards?per_page=1", timeout=5).read()
            if time.monotonic() - begin < 0.2:
                return
        except Exception:
            pass
        time.sleep(0.5)


def measure(server, path, script, seeded, connections):
    results, peak = [], 0
    for _ in range(RUNS):
        settle(server)
        stop = threading.Event()
        peaks = [0]

        def sample():
            while not stop.is_set():
                peaks[0] = max(peaks[0], rss_kib(server.pids()))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            results.append(wrk(server.base, path, script, seeded, connections, DURATION))
        finally:
            stop.set()
            sampler.join()
        peak = max(peak, peaks[0])
    return {
        "rps": statistics.median(r["rps"] for r in results),
        "p50": statistics.median(r["p50"] for r in results),
        "p99": statistics.median(r["p99"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "rss_mib": peak / 1024,
    }


def point_select_limit():
    """Raw MariaDB primary-key lookups per second on this machine (sysbench), at 64 threads."""
    mariadb("drop database if exists sbtest; create database sbtest")
    common = ["sysbench", "oltp_point_select", "--db-driver=mysql", "--mysql-host=127.0.0.1",
              f"--mysql-user={DB_USER}", f"--mysql-password={DB_PASS}", "--mysql-db=sbtest",
              "--tables=1", "--table-size=10000"]
    subprocess.run(common + ["prepare"], check=True, capture_output=True)
    rates = []
    for _ in range(RUNS):
        out = subprocess.run(common + ["--threads=64", f"--time={DURATION * 2}", "run"], capture_output=True,
                             text=True, check=True).stdout
        rates.append(float(re.search(r"queries:\s+\d+\s+\(([\d.]+) per sec", out).group(1)))
    mariadb("drop database sbtest")
    return statistics.median(rates)


def scale_run(binary):
    """The list at 1K, 100K and 1M posts (Rust server): page 1, a deep OFFSET page, a deep cursor."""
    rows = []
    sizes = [1_000, 100_000] if QUICK else [1_000, 100_000, 1_000_000]
    for size in sizes:
        server = RustServer(binary)
        fresh_database(server.database)
        server.start()
        try:
            seeded = seed_user_only(server)
            bulk_insert_posts(server.database, seeded["user_id"], size)
            # Every 100th post is another author's: 10,000 of them among 1,000,000.
            http("POST", server.base + "/api/user/signup", {"email": "author@example.com", "password": "bench-password-1"})
            author = mariadb("select id from user where email = 'author@example.com'", server.database)
            mariadb(f"update board set user_id = '{author}' where cast(substring(title, 6) as unsigned) % 100 = 7",
                    server.database)
            server.after_bulk_insert()
            middle = size // 2
            cursor = mariadb("set time_zone = '+00:00'; select concat(cast(unix_timestamp(created_at) * 1000000 as unsigned), '_', id) "
                             f"from board order by created_at desc, id desc limit 1 offset {middle - 1}", server.database)
            for label, path in [("page 1", "/api/board/boards?page=1&per_page=20"),
                                (f"page {middle // 20} (OFFSET)", f"/api/board/boards?page={middle // 20}&per_page=20"),
                                ("same depth (cursor)", f"/api/board/boards?per_page=20&cursor={cursor}"),
                                (f"page 1, one author ({size // 100:,} posts)",
                                 f"/api/board/boards?page=1&per_page=20&userId={author}")]:
                status, body = http("GET", server.base + path)
                expected_total = size // 100 if "userId" in path else size
                assert status == 200 and len(body["boards"]) == min(20, expected_total), (status, label)
                assert body["totalBoard"] == expected_total, (body["totalBoard"], label)
                result = measure(server, path, None, seeded, CONNECTIONS)
                rows.append((size, label, result))
                print(f"  {size:>9,} posts  {label:<24} {result['rps']:>9.0f} req/s  p50 {result['p50']:.2f} ms  "
                      f"p99 {result['p99']:.2f} ms", flush=True)
        finally:
            server.stop()
            mariadb(f"drop database if exists `{server.database}`")
    return rows


def bulk_insert_comments(database, board_id, user_id, count):
    """`count` top-level comments one second apart on one post, with their thread keys and
    the post's counts, straight into the tables."""
    mariadb("create table if not exists bench_nums (n int primary key); "
            "insert ignore into bench_nums (n) select seq from seq_0_to_999", database)
    mariadb("set time_zone = '+00:00'; "
            "insert into board_comment (id, board_id, user_id, parent_id, thread_key, content, created_at) "
            f"select c.id, '{board_id}', '{user_id}', null, "
            "concat(lpad(cast(unix_timestamp(c.at) * 1000000 as unsigned), 16, '0'), c.id), "
            "repeat('댓글 comment ', 8), c.at "
            "from (select uuid() as id, timestamp('2025-01-01') + interval (a.n * 1000 + b.n) second as at "
            f"from bench_nums a join bench_nums b where a.n * 1000 + b.n < {count}) c", database)
    mariadb(f"update board_comment_stats set live_count = {count}, listed_count = {count} "
            f"where board_id = '{board_id}'", database)


def comment_scale_run(binary):
    """Page 1 of a post's comments with 10 and with 10,000 comments (Rust server)."""
    server = RustServer(binary)
    fresh_database(server.database)
    server.start()
    rows = []
    try:
        seeded = seed_user_only(server)
        status, body = http("POST", server.base + "/api/user/login",
                            {"email": "scale@example.com", "password": "bench-password-1"})
        token = body["accessToken"]
        for count in (10, 10_000):
            status, created = http("POST", server.base + "/api/board", {"title": "t", "content": "c"}, token)
            board_id = created["board"]["id"]
            bulk_insert_comments(server.database, board_id, seeded["user_id"], count)
            path = f"/api/board/{board_id}/comments?per_page=50"
            status, body = http("GET", server.base + path)
            assert status == 200 and body["totalComment"] == count and len(body["comments"]) == min(50, count)
            result = measure(server, path, None, seeded, 16)
            rows.append((count, result))
            print(f"  comments page 1, {count:>6,} comments: {result['rps']:>8.0f} req/s  p50 {result['p50']:.2f} ms  "
                  f"p99 {result['p99']:.2f} ms", flush=True)
    finally:
        server.stop()
        mariadb(f"drop database if exists `{server.database}`")
    (_, small), (_, large) = rows
    print(f"  p50 with 10,000 comments ÷ p50 with 10: {large['p50'] / small['p50']:.2f}×", flush=True)
    return rows


def seed_user_only(server):
    http("POST", server.base + "/api/user/signup", {"email": "scale@example.com", "password": "bench-password-1"})
    user_id = mariadb("select id from user where email = 'scale@example.com'", server.database)
    return {"user_id": user_id}


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = int(open("/proc/meminfo").readline().split()[1]) // 1024 // 1024
    return (f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, {platform.system()} {platform.release()}, "
            f"MariaDB {mariadb('select version()')}")


COMPARED = ("GET one", "GET one, If-None-Match", "GET list page 1", "POST create",
            f"POST create, {SESSIONS} sessions")
RESULTS = os.path.join(HERE, "RESULTS.md")
# Sections that --compare appends to RESULTS.md, and that a full run keeps.
COMPARISONS = "## Before/after:"


def compare(before_binary, after_binary, rounds=3):
    """The same scenarios on two builds of this server, alternating so that drift of the
    machine hits both alike; medians of `rounds` rounds of RUNS runs each."""
    figures = {"before": {label: [] for label in COMPARED}, "after": {label: [] for label in COMPARED}}
    # Non-2xx/3xx answers and socket errors: figures with errors measure something else.
    errors = {"before": 0, "after": 0}
    for round_number in range(rounds):
        for name, binary in (("before", before_binary), ("after", after_binary)):
            server = RustServer(binary)
            fresh_database(server.database)
            server.start()
            try:
                seeded = seed(server)
                seeded, extra = board_scenarios(server, seeded)
                for label, path, script, connections in scenarios(seeded) + extra:
                    if label in COMPARED:
                        result = measure(server, path, script, seeded, connections)
                        figures[name][label].append(result["rps"])
                        errors[name] += result["errors"]
            finally:
                server.stop()
                mariadb(f"drop database if exists `{server.database}`")
            print(f"  round {round_number + 1} {name}: " + ", ".join(
                f"{label} {figures[name][label][-1]:.0f}" for label in COMPARED)
                + f" (errors so far: {errors[name]})", flush=True)
    lines = ["| scenario | before req/s | after req/s | change |", "|---|---:|---:|---:|"]
    for label in COMPARED:
        before = statistics.median(figures["before"][label])
        after = statistics.median(figures["after"][label])
        lines.append(f"| {label} | {before:.0f} | {after:.0f} | {100 * (after - before) / before:+.1f}% |")
    comment_lines = ["| comments of the post | req/s | p50 ms | p99 ms |", "|---:|---:|---:|---:|"]
    for count, r in comment_scale:
        comment_lines.append(f"| {count:,} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} |")

    report = "\n".join([
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"wrk -t2 -c{CONNECTIONS}, {DURATION} s a run, median of {rounds} alternating rounds "
        f"(each the median of {RUNS} runs). Errors (non-2xx/3xx, socket): before {errors['before']}, "
        f"after {errors['after']}.", "", *lines,
    ])
    print("\n" + report)
    if not QUICK:
        label = os.environ.get("COMPARE_LABEL", f"{before_binary} → {after_binary}")
        with open(RESULTS, "a") as out:
            out.write(f"\n{COMPARISONS} {label}\n\n{report}\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--original", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--compare", metavar="BEFORE_BINARY",
                        help="only race an earlier build of this server against --binary")
    parser.add_argument("--scale-only", action="store_true", help="only the list at 1K, 100K and 1M posts")
    parser.add_argument("--comments-only", action="store_true",
                        help="only page 1 of the comments of a post with 10 and with 10,000 comments")
    args = parser.parse_args()
    if args.compare:
        return compare(args.compare, args.binary)
    if args.scale_only:
        scale_run(args.binary)
        return None
    if args.comments_only:
        comment_scale_run(args.binary)
        return None

    results, startup = {}, {}
    servers = [RustServer(args.binary), FlaskServer(args.original, args.venv)]
    for server in servers:
        print(f"== {server.name}", flush=True)
        fresh_database(server.database)
        ready = server.start()
        time.sleep(1)
        startup[server.name] = (ready, rss_kib(server.pids()) / 1024)
        print(f"  ready in {ready * 1000:.0f} ms, idle RSS {startup[server.name][1]:.1f} MiB", flush=True)
        try:
            seeded = seed(server)
            extra = []
            if server is servers[0]:
                seeded, extra = board_scenarios(server, seeded)
            for label, path, script, connections in extra + scenarios(seeded):
                result = measure(server, path, script, seeded, connections)
                results[(server.name, label)] = result
                print(f"  {label:<20} {result['rps']:>9.0f} req/s  p50 {result['p50']:>8.2f} ms  "
                      f"p99 {result['p99']:>8.2f} ms  errors {result['errors']:>5}  peak RSS {result['rss_mib']:>7.1f} MiB",
                      flush=True)
            if server is servers[0]:
                # The HTTP stack alone (no database): with the point-select figure below, the
                # two costs that one GET shares the 2 cores between.
                http_only = measure(server, "/health", None, seeded, CONNECTIONS)
                print(f"  {'GET /health (no DB)':<20} {http_only['rps']:>9.0f} req/s  p50 {http_only['p50']:>8.2f} ms  "
                      f"p99 {http_only['p99']:>8.2f} ms", flush=True)
                # After the login flood (the last scenario): a session per login, capped per user.
                flood_sessions = session_rows(server.database)
                print(f"  session rows after the login flood: {flood_sessions}", flush=True)
        finally:
            server.stop()
            mariadb(f"drop database if exists `{server.database}`")

    print("== raw MariaDB point selects (sysbench, 64 threads)", flush=True)
    raw = point_select_limit()
    print(f"  {raw:.0f} selects/s", flush=True)
    print("== list at scale (board only)", flush=True)
    scale = scale_run(args.binary)
    print("== comments at scale (board only)", flush=True)
    comment_scale = comment_scale_run(args.binary)

    rust, flask = servers[0].name, servers[1].name
    labels = [label for label, *_ in scenarios({"post": "x", "token": "", "email": "", "password": ""})]
    lines = [
        "| scenario | server | req/s | p50 ms | p99 ms | errors | peak RSS MiB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label in labels:
        for name in (rust, flask):
            r = results[(name, label)]
            lines.append(f"| {label} | {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} | {r['rss_mib']:.1f} |")
    ratios = ["| scenario | board ÷ original (req/s) |", "|---|---:|"]
    for label in labels:
        a, b = results[(rust, label)]["rps"], results[(flask, label)]["rps"]
        ratios.append(f"| {label} | {a / b:.1f}× |" if b else f"| {label} | n/a |")
    get_one = results[(rust, "GET one")]["rps"]
    limits = [
        f"- raw MariaDB point selects: {raw:.0f}/s; board's GET one: {get_one:.0f}/s = {100 * get_one / raw:.0f}% of it",
        f"- board's HTTP stack alone (GET /health, no database): {http_only['rps']:.0f} req/s, "
        f"p50 {http_only['p50']:.2f} ms, p99 {http_only['p99']:.2f} ms",
        f"- ready to serve after start (database up): board {startup[rust][0] * 1000:.0f} ms, "
        f"original {startup[flask][0] * 1000:.0f} ms",
        f"- idle RSS: board {startup[rust][1]:.1f} MiB, original (gunicorn, 4 workers) {startup[flask][1]:.1f} MiB",
        f"- create with the session check over {SESSIONS} sessions (board only): "
        f"{results[(rust, f'POST create, {SESSIONS} sessions')]['rps']:.0f} req/s, against "
        f"{results[(rust, 'POST create')]['rps']:.0f} req/s for creates with one session",
        f"- rows of `user_session` after all the logins of the run (the 256-connection flood last): "
        f"{flood_sessions} (at most 50 live sessions per user)",
    ]
    scale_lines = ["| posts | request | req/s | p50 ms | p99 ms |", "|---:|---|---:|---:|---:|"]
    for size, label, r in scale:
        scale_lines.append(f"| {size:,} | {label} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} |")

    comment_lines = ["| comments of the post | req/s | p50 ms | p99 ms |", "|---:|---:|---:|---:|"]
    for count, r in comment_scale:
        comment_lines.append(f"| {count:,} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} |")

    report = "\n".join([
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"wrk -t2 -c{CONNECTIONS} (login x256: -c256), {DURATION} s a run, median of {RUNS} runs; "
        f"{SEED_POSTS} posts seeded by SQL; both servers on the same MariaDB; load generator on the same 2 cores.",
        "", *lines, "", "Ratios (same run):", "", *ratios, "", *limits, "",
        "List at scale (board, posts bulk-loaded by SQL):", "", *scale_lines,
        "", "Page 1 of a post's comments (per_page=50, 16 connections, comments bulk-loaded by SQL):", "",
        *comment_lines,
    ])
    print("\n" + report)
    if not QUICK:
        kept = ""
        if os.path.exists(RESULTS):
            old = open(RESULTS).read()
            if (at := old.find("\n" + COMPARISONS)) >= 0:
                kept = old[at:]
        with open(RESULTS, "w") as out:
            out.write("# Benchmark results\n\nWritten by `bash bench/run.sh`; see the README for what each figure means.\n\n")
            out.write(report + "\n" + kept)


if __name__ == "__main__":
    sys.exit(main())
