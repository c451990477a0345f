"""Instructions per request, counted by valgrind's callgrind: the same figure for the same
binary and inputs whatever else the machine is doing, so a few-percent difference that wrk's
requests/s cannot resolve on a shared 2-core machine shows here.

  python3 bench/instructions.py BINARY [BINARY_B]
    one binary: GET one with METRICS_ENABLED=false against =true (the metrics' cost), and a
      comment create against a post create (what a comment costs);
    two binaries: GET one, list page 1 and POST create on each (BINARY → BINARY_B).

Each configuration is counted twice, after SMALL and after LARGE requests on one keep-alive
connection; (I_large − I_small) / (LARGE − SMALL) is the cost of one request, start-up and
shutdown cancelled out. The server runs on MariaDB (127.0.0.1:3306, a fresh database each).
Prints figures; asserts none.
"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".ci"))
import boardlib  # noqa: E402

SMALL, LARGE = 200, 1200
SECRET = "instructions-bench-secret-0123456789abcdef"


def prepare(binary, database):
    """A user, a token and twenty posts, made by the server running normally (argon2 under
    valgrind would take long)."""
    boardlib.mariadb(f"drop database if exists `{database}`")
    env = dict(os.environ, DATABASE_URL=f"mysql://root@127.0.0.1:3306/{database}", JWT_SECRET_KEY=SECRET,
               LOGIN_RATE_PER_MINUTE="0", RUST_LOG="warn")
    process, base, _ = boardlib.start_board(binary, env)
    try:
        credentials = {"email": "bench@test.com", "password": "12345678"}
        boardlib.http("POST", base + "/api/user/signup", credentials)
        _, login = boardlib.http("POST", base + "/api/user/login", credentials)
        token = login["accessToken"]
        # A full first page for the list, whatever the creates measured later add.
        for _ in range(20):
            _, created = boardlib.http("POST", base + "/api/board", {"title": "t", "content": "c"}, token)
        return env, token, created["board"]["id"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()


def count(binary, env, requests, scenario):
    """Instructions of one server run under callgrind that answered `requests` requests."""
    out = tempfile.mktemp(prefix="callgrind.", dir="/tmp")
    port = boardlib.free_port()
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary],
        env=dict(env, HOST="127.0.0.1", PORT=str(port)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        boardlib.wait_ready(f"http://127.0.0.1:{port}", process, timeout=180)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(requests):
            method, path, body, headers = scenario()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status in (200, 201), response.status
        connection.close()
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=300)
    total = re.search(r"Collected : (\d+)", stderr.decode())
    os.unlink(out) if os.path.exists(out) else None
    assert total, stderr.decode()[-2000:]
    return int(total.group(1))


def per_request(binary, env, scenario):
    small = count(binary, env, SMALL, scenario)
    large = count(binary, env, LARGE, scenario)
    return (large - small) / (LARGE - SMALL)


def main():
    binaries = sys.argv[1:]
    assert binaries and all(os.access(b, os.X_OK) for b in binaries), __doc__
    boardlib.ensure_mariadb()
    database = "board_bench_instructions"
    results = []
    env, token, board_id = prepare(binaries[0], database)

    def get_one():
        return "GET", f"/api/board/{board_id}", None, {}

    def list_first():
        return "GET", "/api/board/boards?page=1&per_page=20", None, {}

    def create():
        body = json.dumps({"title": "t", "content": "c"})
        return "POST", "/api/board", body, {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def create_comment():
        body = json.dumps({"content": "c"})
        return ("POST", f"/api/board/{board_id}/comments", body,
                {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})

    if len(binaries) == 1:
        for label, metrics in (("metrics off", "false"), ("metrics on", "true")):
            results.append((f"GET one, {label}", per_request(binaries[0], dict(env, METRICS_ENABLED=metrics), get_one)))
        for label, scenario in (("POST create", create), ("POST comment", create_comment)):
            results.append((label, per_request(binaries[0], env, scenario)))
    else:
        for binary in binaries:
            for label, scenario in (("GET one", get_one), ("list page 1", list_first), ("POST create", create)):
                results.append((f"{label}, {binary}", per_request(binary, env, scenario)))
    boardlib.mariadb(f"drop database if exists `{database}`")
    print(f"\ninstructions per request (callgrind; {LARGE} − {SMALL} requests on one connection):")
    for label, figure in results:
        print(f"  {label}: {figure:,.0f}")
    if len(binaries) == 1:
        off, on = results[0][1], results[1][1]
        print(f"  metrics cost: {on - off:+,.0f} instructions a request ({100 * (on - off) / off:+.1f} %)")
        post, comment = results[2][1], results[3][1]
        print(f"  a comment create costs {comment / post:.2f}× a post create")
    else:
        half = len(results) // 2
        for (label, before), (_, after) in zip(results[:half], results[half:]):
            print(f"  {label.split(',')[0]}: {100 * (after - before) / before:+.1f} % ({binaries[0]} → {binaries[1]})")


if __name__ == "__main__":
    main()
