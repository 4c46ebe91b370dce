"""Fixtures for black-box tests: a real `rapport serve` on a free loopback port with a
fresh data directory, and API clients for every role."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from urllib.parse import urlencode

import pytest
import requests

RAPPORT_BIN = os.environ.get("RAPPORT_BIN", "../build/src/cli/rapport")


class Client:
    """A thin requests wrapper bound to one bearer token."""

    def __init__(self, base, token=None):
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, path, body=None, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.session.request(method, self.base + path, data=data, headers=headers or {},
                                    timeout=30)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, etag=None, **kw):
        headers = kw.pop("headers", {}) or {}
        if etag is not None:
            headers["If-Match"] = etag
        return self.request("PATCH", path, body, headers=headers, **kw)


class Server:
    """`rapport serve` as a child process."""

    def __init__(self, data_dir, serve_args=()):
        self.data_dir = data_dir
        self.serve_args = list(serve_args)  # extra options of `rapport serve`
        self.process = None
        self.base = None

    def cli(self, *args, check=True):
        result = subprocess.run([RAPPORT_BIN, "--data", self.data_dir, *args],
                                capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"rapport {args} failed: {result.stderr}")
        return result

    def token(self, email, role, name=None, vendor=None):
        args = ["token", "create", "--user", email, "--create", "--role", role,
                "--name", name or email.split("@")[0]]
        if vendor is not None:
            args += ["--vendor", str(vendor)]
        return self.cli(*args).stdout.strip()

    def set_password(self, email, password):
        """`rapport user password`, the password in the environment (never in argv)."""
        env = dict(os.environ, RAPPORT_PASSWORD=password)
        result = subprocess.run([RAPPORT_BIN, "--data", self.data_dir, "user", "password",
                                 "--email", email], capture_output=True, text=True, timeout=60,
                                env=env)
        assert result.returncode == 0, result.stderr

    def start(self):
        self.process = subprocess.Popen(
            [RAPPORT_BIN, "--data", self.data_dir, "--log-level", "warn", "serve", "--port", "0",
             *self.serve_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"http://[\d.]+:(\d+)/", line)
        if not match:
            self.process.kill()
            raise AssertionError(f"server did not start: {line!r} {self.process.stderr.read()}")
        self.base = f"http://127.0.0.1:{match.group(1)}"
        # The server answers at once and reads its signal index in the background; the
        # tests start from a loaded one (signal_index_test covers the answers meanwhile).
        deadline = time.monotonic() + 60
        while requests.get(self.base + "/healthz", timeout=5).json().get("signals") != "loaded":
            if time.monotonic() > deadline:
                raise AssertionError("the signal index did not load within 60 s")
            time.sleep(0.01)
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None

    def client(self, token=None):
        return Client(self.base, token)


@pytest.fixture
def data_dir():
    path = tempfile.mkdtemp(prefix="rapport-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def server(data_dir):
    srv = Server(data_dir).start()
    yield srv
    srv.stop()


@pytest.fixture
def admin(server):
    return server.client(server.token("admin@example.com", "admin"))


def event_count(client):
    """Length of the event log, read through the API (admin or manager client)."""
    count, after = 0, 0
    while True:
        page = client.get(f"/api/v1/events?after={after}&limit=500").json()
        count += len(page["items"])
        if not page["items"]:
            return count
        after = page["next_after"]


def all_events(client, after=0):
    """The event log after `after`, oldest first, read through the API."""
    out = []
    while True:
        page = client.get(f"/api/v1/events?after={after}&limit=500").json()
        if not page["items"]:
            return out
        out += page["items"]
        after = page["next_after"]


@pytest.fixture
def close_connections(server, monkeypatch):
    """Closes every client's keep-alive connections before the server is stopped.

    The server can miss an idle connection when it stops (it may start the next read
    after its stop signal cancelled the sockets) and then waits out the read timeout;
    closing our side first keeps each teardown fast."""
    made = []
    original = server.client

    def client(token=None):
        made.append(original(token))
        return made[-1]

    monkeypatch.setattr(server, "client", client)
    yield
    for c in made:
        c.session.close()


@pytest.fixture
def world(server, admin):
    """A small ledger with two vendors, so that visibility rules have something to hide,
    and a client for every role."""
    def create(path, body):
        response = admin.post(path, body)
        assert response.status_code == 201, response.text
        return response.json()

    w = {"server": server}
    w["vendor_a"] = create("/api/v1/vendors", {"name": "Alpha BPO"})
    w["vendor_b"] = create("/api/v1/vendors", {"name": "Beta BPO"})
    w["queue_a"] = create("/api/v1/queues", {"name": "Alpha phone", "channel": "phone",
                                             "vendor_id": w["vendor_a"]["id"]})
    w["queue_b"] = create("/api/v1/queues", {"name": "Beta email", "channel": "email",
                                             "vendor_id": w["vendor_b"]["id"]})
    w["queue_house"] = create("/api/v1/queues", {"name": "In-house chat", "channel": "chat"})
    w["account"] = create("/api/v1/accounts", {"name": "Globex", "segment": "key",
                                               "annual_value_minor": 12_000_000,
                                               "time_zone": "Europe/London", "currency": "GBP"})
    w["person"] = create("/api/v1/people", {"account_id": w["account"]["id"], "name": "Ann Lee",
                                            "emails": ["ann@globex.example"],
                                            "role": "decision_maker"})
    w["calendar"] = create("/api/v1/calendars", {
        "name": "London office", "time_zone": "Europe/London",
        "hours": [{"day": d, "start": "09:00", "end": "17:00"}
                  for d in ("monday", "tuesday", "wednesday", "thursday", "friday")],
        "holidays": [{"name": "Christmas", "date": "2025-12-25", "yearly": True}]})
    w["agreement_a"] = create("/api/v1/agreements", {
        "kind": "vendor", "vendor_id": w["vendor_a"]["id"], "start_date": "2025-01-01",
        "end_date": "2026-12-31", "queue_ids": [w["queue_a"]["id"]],
        "cost_per_agent_hour_minor": 2500, "coverage_calendar_id": w["calendar"]["id"],
        "targets": [{"metric": "service_level", "channel": "phone", "target_percent": 80,
                     "threshold_seconds": 20}]})
    w["agreement_b"] = create("/api/v1/agreements", {
        "kind": "vendor", "vendor_id": w["vendor_b"]["id"], "start_date": "2025-01-01",
        "end_date": "2026-12-31", "queue_ids": [w["queue_b"]["id"]]})
    w["agreement_customer"] = create("/api/v1/agreements", {
        "kind": "customer", "account_id": w["account"]["id"], "start_date": "2025-01-01",
        "end_date": "2026-12-31", "auto_renew": True, "notice_days": 90,
        "annual_value_minor": 12_000_000, "currency": "GBP"})
    w["policy"] = create("/api/v1/sla_policies", {
        "name": "Standard", "position": 10, "calendar_id": w["calendar"]["id"],
        "targets": [{"metric": "first_response", "minutes": 60, "warning_minutes": 15},
                    {"metric": "resolution", "minutes": 960}]})
    w["case_a"] = create("/api/v1/cases", {"account_id": w["account"]["id"], "subject": "Phone line down",
                                           "queue_id": w["queue_a"]["id"],
                                           "requester_id": w["person"]["id"]})
    w["case_b"] = create("/api/v1/cases", {"account_id": w["account"]["id"], "subject": "Invoice wrong",
                                           "queue_id": w["queue_b"]["id"]})
    w["call_a"] = create("/api/v1/interactions", {
        "source": "pbx", "external_id": "call-1", "channel": "phone", "direction": "inbound",
        "queue_id": w["queue_a"]["id"], "case_id": w["case_a"]["id"],
        "person_id": w["person"]["id"], "arrived_at": "2025-03-03T09:00:00Z",
        "answered_at": "2025-03-03T09:00:15Z", "ended_at": "2025-03-03T09:05:00Z",
        "outcome": "answered", "subject": "Line down", "body": "Customer says the line is dead",
        "tags": ["outage"]})
    w["email_b"] = create("/api/v1/interactions", {
        "source": "mail", "external_id": "<m1@globex.example>", "channel": "email",
        "direction": "inbound", "queue_id": w["queue_b"]["id"], "case_id": w["case_b"]["id"],
        "arrived_at": "2025-03-04T10:00:00Z", "outcome": "received", "subject": "Invoice",
        "body": "Secret invoice details",
        "participants": [{"role": "from", "address": "ann@globex.example"}],
        "message_id": "<m1@globex.example>"})
    w["clients"] = {
        "admin": admin,
        "manager": server.client(server.token("manager@example.com", "manager")),
        "agent": server.client(server.token("agent@example.com", "agent")),
        "vendor_a": server.client(server.token("va@alpha.example", "vendor_agent",
                                               vendor=w["vendor_a"]["id"])),
        "vendor_b": server.client(server.token("vb@beta.example", "vendor_agent",
                                               vendor=w["vendor_b"]["id"])),
        "viewer": server.client(server.token("viewer@example.com", "viewer")),
    }
    return w


# ---- record helpers shared by the test modules --------------------------------------------

API = "/api/v1"


def etag_of(record):
    return f'"{record["version"]}"'


def create(client, collection, body):
    response = client.post(f"{API}/{collection}", body)
    assert response.status_code == 201, response.text
    return response.json()


def read(client, collection, record_id):
    response = client.get(f"{API}/{collection}/{record_id}")
    assert response.status_code == 200, response.text
    return response.json()


def patch(client, collection, record, body):
    response = client.patch(f"{API}/{collection}/{record['id']}", body, etag=etag_of(record))
    assert response.status_code == 200, response.text
    return response.json()


def record_of(answer):
    """A record as stored: an open case's answer also carries its live clocks, which move
    with time."""
    return {key: value for key, value in answer.items() if key != "clocks"}


def list_all(client, collection, limit=500, **filters):
    """Every item of a filtered list, following next_cursor."""
    items, cursor = [], None
    while True:
        params = dict(filters, limit=limit)
        if cursor is not None:
            params["cursor"] = cursor
        response = client.get(f"{API}/{collection}?{urlencode(params)}")
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


class NothingWritten:
    """Context manager: the event log and the listed collections are the same after the
    block (a refused request wrote nothing)."""

    def __init__(self, client, *collections):
        self.client, self.collections = client, collections

    def snapshot(self):
        return event_count(self.client), {c: list_all(self.client, c) for c in self.collections}

    def __enter__(self):
        self.before = self.snapshot()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            assert self.snapshot() == self.before, "a rejected request wrote something"
        return False


PROBLEM = "application/problem+json"


def assert_problem(response, status, field, *words):
    """A problem+json answer with `status` naming `field`, its message holding `words`."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    problem = response.json()
    messages = {e["field"]: e["message"] for e in problem.get("errors", [])}
    assert field in messages, f"{field!r} not named in {problem}"
    for word in words:
        assert word in messages[field], f"{word!r} not in {field}: {messages[field]!r}"
    return problem
