"""Python helpers shared by CI and the benchmarks (the shell ones are in lib.sh).

Loopback only: every server is started on a free port of 127.0.0.1.
"""
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mariadb(statement, db=None):
    cmd = ["mariadb", "-uroot", "-N", "-B"] + ([db] if db else []) + ["-e", statement]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def mariadb_up():
    return subprocess.run(["mariadb-admin", "-uroot", "--connect-timeout=1", "ping"],
                          capture_output=True).returncode == 0


def ensure_mariadb(timeout=60):
    if mariadb_up():
        return
    subprocess.run(["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd"],
                   check=True)
    deadline = time.monotonic() + timeout
    while not mariadb_up():
        assert time.monotonic() < deadline, "MariaDB did not start"
        time.sleep(0.2)


def json_request(method, url, body=None, token=None, headers=None, raw=None):
    """A urllib request with BODY as JSON (or the bytes RAW, sent as JSON as they are), the
    bearer TOKEN and HEADERS, when given."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    return request


def http(method, url, body=None, token=None, timeout=30):
    """(status, parsed JSON body or None)."""
    request = json_request(method, url, body, token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_ready(base, process, path="/health/ready", timeout=30):
    """Seconds until BASE+path answered 200; fails if the process exits first."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(base + path, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            pass
        time.sleep(0.02)
    raise SystemExit(f"not ready after {timeout}s: {base}{path}")


def start_board(binary, env, log=subprocess.DEVNULL, port=None):
    """The server on 127.0.0.1 (a free port unless given) with `env`; (process, base URL,
    seconds until ready)."""
    port = port or free_port()
    env = dict(env, HOST="127.0.0.1", PORT=str(port))
    process = subprocess.Popen([binary], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    return process, base, wait_ready(base, process)


def user_token(base, email, password):
    """Signs up (an existing account is fine) and logs in; the access token."""
    http("POST", base + "/api/user/signup", {"email": email, "password": password})
    status, body = http("POST", base + "/api/user/login", {"email": email, "password": password})
    assert status == 200, (status, body)
    return body["accessToken"]
