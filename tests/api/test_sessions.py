"""Signing in to the web workspace and serving it: passwords set from the command line
(never from argv), the session cookie's flags, CSRF on cookie-authenticated writes, sign-out,
expiry, throttling of repeated failures, and the static files with their security headers."""
import os
import subprocess
import time

import pytest
import requests

from conftest import RAPPORT_BIN, Server

PASSWORD = "correct horse battery"


def rapport(data_dir, *args, password=None, stdin=None):
    env = dict(os.environ)
    env.pop("RAPPORT_PASSWORD", None)
    if password is not None:
        env["RAPPORT_PASSWORD"] = password
    return subprocess.run([RAPPORT_BIN, "--data", data_dir, *args], input=stdin,
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def site(tmp_path):
    """A stand-in for the built workspace: index.html and one hashed asset."""
    root = tmp_path / "web"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>Rapport</title>"
                                     "<script type=module src=/assets/app-1a2b3c.js></script>")
    (root / "assets" / "app-1a2b3c.js").write_text("console.log('workspace');")
    return str(root)


@pytest.fixture
def srv(data_dir, site):
    server = Server(data_dir, ["--web", site, "--session-seconds", "3"])
    result = rapport(data_dir, "user", "create", "--email", "ann@example.com", "--name", "Ann",
                     "--role", "agent", password=PASSWORD)
    assert result.returncode == 0, result.stderr
    server.start()
    yield server
    server.stop()


def sign_in(base, email="ann@example.com", password=PASSWORD, headers=None):
    return requests.post(base + "/api/v1/session", json={"email": email, "password": password},
                         headers=headers or {}, timeout=30)


def browser(base, answer):
    """A requests session holding the cookie and CSRF token of a successful sign-in."""
    assert answer.status_code == 200, answer.text
    s = requests.Session()
    s.cookies.set("rapport_session", answer.cookies["rapport_session"])
    s.csrf = answer.json()["csrf_token"]
    return s


def new_account(s, base, csrf):
    headers = {"X-CSRF-Token": csrf} if csrf is not None else {}
    return s.post(base + "/api/v1/accounts", json={"name": "Acme", "segment": "smb"}, headers=headers, timeout=30)


def test_password_comes_from_env_or_stdin_never_argv(data_dir):
    assert rapport(data_dir, "user", "create", "--email", "a@example.com", "--name", "A",
                   "--role", "agent", "--password", "x").returncode != 0
    short = rapport(data_dir, "user", "create", "--email", "a@example.com", "--name", "A",
                    password="short")
    assert short.returncode == 1 and "at least 10" in short.stderr
    made = rapport(data_dir, "user", "create", "--email", "a@example.com", "--name", "A",
                   stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    again = rapport(data_dir, "user", "create", "--email", "a@example.com", "--name", "A",
                    password=PASSWORD)
    assert again.returncode == 1 and "user password" in again.stderr
    missing = rapport(data_dir, "user", "password", "--email", "nobody@example.com",
                      password=PASSWORD)
    assert missing.returncode == 1 and "no user" in missing.stderr
    assert rapport(data_dir, "user", "password", "--email", "a@example.com",
                   stdin="another long password\n").returncode == 0
    server = Server(data_dir).start()
    try:
        assert sign_in(server.base, "a@example.com", PASSWORD).status_code == 401
        assert sign_in(server.base, "a@example.com", "another long password").status_code == 200
    finally:
        server.stop()
    # The hash is Argon2id, not the password.
    content = b""
    for name in ["rapport.db", "rapport.db-wal"]:
        if os.path.exists(os.path.join(data_dir, name)):
            with open(os.path.join(data_dir, name), "rb") as db:
                content += db.read()
    assert b"another long password" not in content
    assert b"$argon2id$" in content


def test_sign_in_sets_a_strict_http_only_expiring_cookie(srv):
    answer = sign_in(srv.base)
    assert answer.status_code == 200
    cookie = answer.headers["Set-Cookie"]
    parts = [p.strip() for p in cookie.split(";")]
    assert parts[0].startswith("rapport_session=") and len(parts[0]) > 60
    assert "HttpOnly" in parts and "SameSite=Strict" in parts and "Path=/" in parts
    assert "Max-Age=3" in parts
    assert "Secure" not in parts  # plain HTTP on loopback
    body = answer.json()
    assert body["role"] == "agent" and len(body["csrf_token"]) == 64
    assert parts[0].split("=", 1)[1] not in answer.text  # the session value only in the cookie
    assert answer.headers["Cache-Control"] == "no-store"
    behind_tls = sign_in(srv.base, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in [p.strip() for p in behind_tls.headers["Set-Cookie"].split(";")]


def test_wrong_password_and_unknown_user_get_the_same_answer(srv):
    timings = {}
    answers = {}
    for name, email, password in [("wrong", "ann@example.com", "wrong password!"),
                                  ("unknown", "nobody@example.com", PASSWORD)]:
        started = time.monotonic()
        answers[name] = sign_in(srv.base, email, password)
        timings[name] = time.monotonic() - started
    for answer in answers.values():
        assert answer.status_code == 401
        assert "Set-Cookie" not in answer.headers
    assert answers["wrong"].json() == answers["unknown"].json()
    # Both do the Argon2id work: neither answers much faster than the other.
    assert timings["unknown"] > timings["wrong"] / 4
    assert timings["wrong"] > timings["unknown"] / 4


def test_repeated_failures_are_throttled_for_known_and_unknown_emails(srv):
    for email in ["ann@example.com", "ghost@example.com"]:
        for _ in range(5):
            assert sign_in(srv.base, email, "wrong password!").status_code == 401
        throttled = sign_in(srv.base, email, PASSWORD)
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) >= 1
        assert throttled.json()["status"] == 429
    time.sleep(1.2)
    assert sign_in(srv.base).status_code == 200


def test_bad_sign_in_requests(srv):
    as_form = requests.post(srv.base + "/api/v1/session", timeout=30,
                            data='{"email": "ann@example.com", "password": "%s"}' % PASSWORD,
                            headers={"Content-Type": "text/plain"})
    assert as_form.status_code == 415
    missing = requests.post(srv.base + "/api/v1/session", json={"email": "ann@example.com"},
                            timeout=30)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["password"]
    assert requests.post(srv.base + "/api/v1/session", data="{", timeout=30,
                         headers={"Content-Type": "application/json"}).status_code == 400


def test_cookie_reads_need_no_csrf_and_writes_do(srv):
    s = browser(srv.base, sign_in(srv.base))
    me = s.get(srv.base + "/api/v1/me", timeout=30)
    assert me.status_code == 200 and me.json()["email"] == "ann@example.com"
    session = s.get(srv.base + "/api/v1/session", timeout=30).json()
    assert session["csrf_token"] == s.csrf and session["user"]["email"] == "ann@example.com"
    missing = new_account(s, srv.base, None)
    assert missing.status_code == 403 and "X-CSRF-Token" in missing.json()["detail"]
    wrong = new_account(s, srv.base, "0" * 64)
    assert wrong.status_code == 403
    other = browser(srv.base, sign_in(srv.base))  # another session's token is not this one's
    assert new_account(s, srv.base, other.csrf).status_code == 403
    assert new_account(s, srv.base, s.csrf).status_code == 201
    # Patch and delete are writes too.
    assert s.delete(srv.base + "/api/v1/session", timeout=30).status_code == 403


def test_bearer_tokens_need_no_csrf(srv):
    token = srv.token("boss@example.com", "admin")
    answer = requests.post(srv.base + "/api/v1/accounts", json={"name": "Acme", "segment": "smb"}, timeout=30,
                           headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201
    session = requests.get(srv.base + "/api/v1/session", timeout=30,
                           headers={"Authorization": f"Bearer {token}"}).json()
    assert session["csrf_token"] is None


def test_sign_out_ends_the_session_and_clears_the_cookie(srv):
    s = browser(srv.base, sign_in(srv.base))
    out = s.delete(srv.base + "/api/v1/session", headers={"X-CSRF-Token": s.csrf}, timeout=30)
    assert out.status_code == 204
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    stale = requests.get(srv.base + "/api/v1/me", timeout=30,
                         cookies={"rapport_session": s.cookies["rapport_session"]})
    assert stale.status_code == 401
    assert new_account(s, srv.base, s.csrf).status_code == 401
    unknown = requests.get(srv.base + "/api/v1/me", cookies={"rapport_session": "f" * 64},
                           timeout=30)
    assert unknown.status_code == 401


def test_sessions_expire(srv):
    s = browser(srv.base, sign_in(srv.base))
    assert s.get(srv.base + "/api/v1/me", timeout=30).status_code == 200
    time.sleep(3.2)
    expired = s.get(srv.base + "/api/v1/me", timeout=30)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_a_deactivated_user_loses_its_sessions(srv):
    s = browser(srv.base, sign_in(srv.base))
    admin = srv.client(srv.token("boss@example.com", "admin"))
    me = s.get(srv.base + "/api/v1/me", timeout=30).json()
    user = admin.get(f"/api/v1/users/{me['id']}")
    patched = admin.patch(f"/api/v1/users/{me['id']}", {"active": False},
                          etag=user.headers["ETag"])
    assert patched.status_code == 200, patched.text
    assert s.get(srv.base + "/api/v1/me", timeout=30).status_code == 401
    assert sign_in(srv.base).status_code == 401


def test_the_workspace_is_served_with_a_strict_policy(srv):
    for path in ["/", "/cases/12", "/escalations"]:
        page = requests.get(srv.base + path, timeout=30)
        assert page.status_code == 200
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "app-1a2b3c.js" in page.text
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert page.headers["Cache-Control"] == "no-cache"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["X-Frame-Options"] == "DENY"
    asset = requests.get(srv.base + "/assets/app-1a2b3c.js", timeout=30)
    assert asset.status_code == 200 and asset.text == "console.log('workspace');"
    assert asset.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "immutable" in asset.headers["Cache-Control"]
    assert requests.get(srv.base + "/assets/gone-000.js", timeout=30).status_code == 404
    api = requests.get(srv.base + "/api/v1/no-such-route", timeout=30)
    assert api.status_code == 404
    assert api.headers["Content-Type"] == "application/problem+json"
    assert requests.post(srv.base + "/cases/12", timeout=30).status_code == 404


def test_serve_refuses_a_web_directory_without_index(data_dir, tmp_path):
    result = subprocess.run([RAPPORT_BIN, "--data", data_dir, "serve", "--port", "0", "--web",
                             str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "index.html" in result.stderr
