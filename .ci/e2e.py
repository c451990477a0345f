"""The seed README's curl sequence, through nginx, checking statuses and bodies.

BASE=http://127.0.0.1:PORT python3 .ci/e2e.py            # app running behind nginx
BASE=http://127.0.0.1:PORT python3 .ci/e2e.py --app-down # app stopped: nginx's 502
"""
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

from boardlib import json_request

BASE = os.environ["BASE"]
checks = 0


def call(method, path, body=None, token=None, headers=None, raw=None):
    headers = {"accept": "application/json", **(headers or {})}
    request = json_request(method, BASE + path, body, token, headers, raw)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def expect(method, path, status, **kwargs):
    global checks
    got, headers, raw = call(method, path, **kwargs)
    body = json.loads(raw) if raw else None
    assert got == status, f"{method} {path}: expected {status}, got {got}: {raw[:300]!r}"
    assert headers.get("Content-Type", "").startswith("application/json"), (method, path, headers)
    assert body["statusCode"] == status, body
    checks += 1
    print(f"ok  {method} {path} -> {status}")
    return body, headers


def app_up():
    email = f"e2e-{uuid.uuid4().hex[:8]}@test.com"
    credentials = {"email": email, "password": "12345678"}
    signup, _ = expect("POST", "/api/user/signup", 201, body=credentials)
    assert "password" not in signup["user"] and signup["user"]["email"] == email
    login, _ = expect("POST", "/api/user/login", 200, body=credentials)
    token = login["accessToken"]
    assert login["tokenType"] == "Bearer"
    created, _ = expect("POST", "/api/board", 201, token=token, body={"title": "안녕하세요.", "content": "반갑습니다."})
    board = created["board"]
    assert board["title"] == "안녕하세요." and board["userId"] == signup["user"]["id"]
    listed, _ = expect("GET", "/api/board/boards?page=1&per_page=10", 200)
    assert listed["boards"][0]["id"] == board["id"] and listed["totalBoard"] >= 1
    got, _ = expect("GET", f"/api/board/{board['id']}", 200)
    assert got["board"] == board
    updated, _ = expect("PUT", f"/api/board/{board['id']}", 200, token=token,
                        body={"title": "안녕하세요2.", "content": "반갑습니다2."})
    assert updated["board"]["title"] == "안녕하세요2." and updated["board"]["updated_at"]
    comments = f"/api/board/{board['id']}/comments"
    comment, _ = expect("POST", comments, 201, token=token, body={"content": "좋은 글이네요."})
    reply, _ = expect("POST", comments, 201, token=token,
                      body={"content": "감사합니다.", "parentId": comment["comment"]["id"]})
    thread, _ = expect("GET", comments, 200)
    assert [c["id"] for c in thread["comments"]] == [comment["comment"]["id"], reply["comment"]["id"]], thread
    assert thread["totalComment"] == 2
    deleted, _ = expect("DELETE", f"/api/board/{board['id']}", 200, token=token)
    assert deleted["board"]["deleted_at"]
    gone, _ = expect("GET", f"/api/board/{board['id']}", 404)
    assert gone["code"] == "not_found"

    # nginx refuses a 2 MiB body itself, in the envelope.
    big = b'{"title": "t", "content": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    refused, _ = expect("POST", "/api/board", 413, token=token, raw=big)
    assert refused["code"] == "payload_too_large"
    # Exactly at nginx's limit, the app answers (content too long for a post: 400).
    prefix, suffix = b'{"title": "t", "content": "', b'"}'
    exact = prefix + b"a" * (1024 * 1024 - len(prefix) - len(suffix)) + suffix
    invalid, _ = expect("POST", "/api/board", 400, token=token, raw=exact)
    assert invalid["code"] == "invalid_board"

    # A header line over nginx's 8 KiB buffer: nginx's own 400, in the envelope.
    oversized, _ = expect("GET", "/api/board/boards", 400, headers={"X-Big": "a" * (9 * 1024)})
    assert oversized["code"] == "invalid_request", oversized
    # nginx passes 120 small headers; the app refuses more than 100 with its own 431.
    many = {f"X-Extra-{i}": "1" for i in range(120)}
    too_many, _ = expect("GET", "/api/board/boards", 431, headers=many)
    assert too_many["code"] == "headers_too_large", too_many

    # Sessions end through nginx too; /metrics is the deployment's own, never served outside.
    me, _ = expect("GET", "/api/user/me", 200, token=token)
    assert me["user"]["email"] == email
    expect("POST", "/api/user/logout", 200, token=token)
    ended, _ = expect("GET", "/api/user/me", 401, token=token)
    assert ended["code"] == "unauthorized"
    hidden, _ = expect("GET", "/metrics", 404)
    assert hidden["code"] == "not_found", hidden
    hidden, _ = expect("GET", "/metrics?format=prometheus", 404)

    # The caller's request id comes back through nginx.
    status, headers, raw = call("GET", "/api/board/boards", headers={"X-Request-Id": "e2e-request-42"})
    assert status == 200 and headers.get("X-Request-Id") == "e2e-request-42", headers
    global checks
    checks += 1
    print("ok  X-Request-Id e2e-request-42 echoed")


def app_down():
    body, headers = expect("GET", "/api/board/boards", 502, headers={"X-Request-Id": "e2e-down-1"})
    assert body["code"] == "bad_gateway", body
    assert headers.get("X-Request-Id") == "e2e-down-1", headers
    health = urllib.request.urlopen(BASE + "/nginx-health", timeout=5)
    assert health.status == 200


if __name__ == "__main__":
    app_down() if "--app-down" in sys.argv else app_up()
    print(f"e2e: {checks} checks ok")
