"""GET /api/v1/stream: the change feed, live, as server-sent events — events arrive as they
commit, resume after Last-Event-ID (or `after`) with what was missed, are filtered per
caller as the customer 360 filters them, a heartbeat keeps a quiet stream open, the number
of streams is capped, and a stream ends with its caller's sign-in and with the server."""
import json
import time

import pytest
import requests

from conftest import API, Server, assert_problem, create, patch

PASSWORD = "stream password 1"


@pytest.fixture
def server(data_dir):
    """A server whose streams beat every second (tests need not wait 15 s) and hold at most
    three streams at once."""
    srv = Server(data_dir, ["--heartbeat-seconds", "1", "--max-streams", "3"]).start()
    yield srv
    srv.stop()


class Stream:
    """One GET /api/v1/stream, read message by message."""

    def __init__(self, base, headers=None, query=""):
        self.response = requests.get(f"{base}{API}/stream{query}", headers=headers or {},
                                     stream=True, timeout=10)
        self._lines = None

    @property
    def status(self):
        return self.response.status_code

    def messages(self):
        """Each message as a dict of its fields (id, event, data), and each comment as
        {"comment": text}, as they arrive; ends with the stream."""
        if self._lines is None:
            self._lines = self.response.iter_lines(chunk_size=None)
        message = {}
        for raw in self._lines:
            line = raw.decode()
            if line == "":
                if message:
                    yield message
                message = {}
            elif line.startswith(":"):
                yield {"comment": line[1:].strip()}
            else:
                name, _, value = line.partition(":")
                message[name] = value[1:] if value.startswith(" ") else value

    def events(self, until, seconds=10, resets=False):
        """The change messages (not comments, nor resets unless asked) up to the first for
        which `until` holds."""
        got, deadline = [], time.monotonic() + seconds
        for message in self.messages():
            if "comment" not in message and (resets or message.get("event") != "reset"):
                got.append(message)
                if until(message):
                    return got
            assert time.monotonic() < deadline, f"not arrived in {seconds} s; got {got}"
        raise AssertionError(f"the stream ended; got {got}")

    def close(self):
        self.response.close()


def stream_of(client, **kw):
    return Stream(client.base, headers=dict(client.session.headers), **kw)


def data(message):
    return json.loads(message["data"])


def about(entity, entity_id):
    return lambda m: m.get("event") is None and data(m)["entity"] == entity and \
        data(m)["entity_id"] == entity_id


@pytest.fixture
def streams():
    """Streams opened by a test, closed after it (before the server stops)."""
    opened = []
    yield opened
    for s in opened:
        s.close()


def test_a_write_arrives_whole_for_the_logs_readers_and_as_a_notice_for_others(world, streams):
    admin, agent, viewer = (world["clients"][r] for r in ("admin", "agent", "viewer"))
    watching = {name: stream_of(c) for name, c in
                (("admin", admin), ("agent", agent), ("viewer", viewer))}
    streams.extend(watching.values())
    for s in watching.values():
        assert s.status == 200, s.response.text
        assert s.response.headers["Content-Type"] == "text/event-stream"
        assert s.response.headers["Cache-Control"] == "no-store"
        assert s.response.headers["X-Accel-Buffering"] == "no"
    account = create(admin, "accounts", {"name": "Initech", "segment": "smb"})

    whole = watching["admin"].events(about("account", account["id"]))[-1]
    event = data(whole)
    assert whole["id"] == str(event["sequence"])
    assert event["action"] == "created" and event["change"]["name"] == "Initech"
    assert event["account_id"] == account["id"] and "actor_id" in event
    for name in ("agent", "viewer"):
        notice = data(watching[name].events(about("account", account["id"]))[-1])
        assert notice == {"sequence": event["sequence"], "at": event["at"], "entity": "account",
                          "entity_id": account["id"], "action": "created",
                          "account_id": account["id"]}


def test_events_come_in_commit_order_and_a_quiet_stream_gets_heartbeats(world, streams):
    admin = world["clients"]["admin"]
    s = stream_of(admin)
    streams.append(s)
    made = [create(admin, "accounts", {"name": f"Order {i}", "segment": "smb"})["id"]
            for i in range(5)]
    got = s.events(about("account", made[-1]))
    accounts = [data(m)["entity_id"] for m in got if data(m)["entity"] == "account"]
    assert accounts == made
    sequences = [int(m["id"]) for m in got]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    deadline = time.monotonic() + 10
    for message in s.messages():  # nothing more is written: heartbeats only
        if message.get("comment") == "heartbeat":
            break
        assert "comment" in message, message
        assert time.monotonic() < deadline, "no heartbeat"


def test_last_event_id_replays_what_was_missed(world, streams):
    admin, agent = world["clients"]["admin"], world["clients"]["agent"]
    first = stream_of(agent)
    streams.append(first)
    seen = create(admin, "accounts", {"name": "Seen", "segment": "smb"})
    last_id = first.events(about("account", seen["id"]))[-1]["id"]
    first.close()
    missed = [create(admin, "accounts", {"name": f"Missed {i}", "segment": "smb"})["id"]
              for i in range(3)]

    headers = dict(agent.session.headers, **{"Last-Event-ID": last_id})
    for resumed in (Stream(agent.base, headers=headers),
                    Stream(agent.base, headers=dict(agent.session.headers), query=f"?after={last_id}"),
                    # Last-Event-ID (what the browser sends when it reconnects) wins.
                    Stream(agent.base, headers=headers, query="?after=0")):
        streams.append(resumed)
        assert resumed.status == 200, resumed.response.text
        got = resumed.events(about("account", missed[-1]))
        assert [data(m)["entity_id"] for m in got] == missed
        assert all(int(m["id"]) > int(last_id) for m in got)
        resumed.close()


def test_a_position_ahead_of_the_log_starts_afresh_with_a_reset(world, streams):
    admin = world["clients"]["admin"]
    last = admin.get(f"{API}/events?after=0&limit=500").json()["next_after"]
    s = Stream(admin.base, headers=dict(admin.session.headers, **{"Last-Event-ID": "999999999"}))
    streams.append(s)
    reset = s.events(lambda m: True, resets=True)[0]
    assert reset["event"] == "reset"
    assert int(reset["id"]) >= last and data(reset) == {"sequence": int(reset["id"])}
    account = create(admin, "accounts", {"name": "After reset", "segment": "smb"})
    assert data(s.events(about("account", account["id"]))[-1])["sequence"] > int(reset["id"])


@pytest.mark.parametrize("query, headers, field", [
    ("?after=-1", {}, "after"),
    ("?after=x", {}, "after"),
    ("?after=", {}, "after"),
    ("?since=3", {}, "since"),
    ("", {"Last-Event-ID": "abc"}, "Last-Event-ID"),
    ("", {"Last-Event-ID": "-4"}, "Last-Event-ID"),
])
def test_bad_positions_and_parameters_are_400(world, query, headers, field):
    admin = world["clients"]["admin"]
    response = admin.get(f"{API}/stream{query}", headers=headers)
    assert_problem(response, 400, field)


def test_vendor_agent_is_not_told_of_another_vendors_case(world, streams):
    admin = world["clients"]["admin"]
    watching = {name: stream_of(world["clients"][name])
                for name in ("vendor_a", "vendor_b", "agent")}
    streams.extend(watching.values())
    account = world["account"]["id"]
    case_b = create(admin, "cases", {"account_id": account, "subject": "B's only",
                                     "queue_id": world["queue_b"]["id"]})
    patch(admin, "cases", case_b, {"priority": "high"})
    create(admin, "users", {"name": "New hire", "email": "hire@example.com", "role": "agent"})
    email = create(admin, "interactions", {
        "channel": "email", "direction": "inbound", "queue_id": world["queue_b"]["id"],
        "case_id": case_b["id"], "arrived_at": "2025-03-05T10:00:00Z", "body": "B's secret"})
    case_a = create(admin, "cases", {"account_id": account, "subject": "A's own",
                                     "queue_id": world["queue_a"]["id"]})
    last = about("case", case_a["id"])

    # Signals the writes raise may come between: only cases, interactions and users count.
    def told(name, until):
        return [(data(m)["entity"], data(m)["entity_id"], data(m)["action"])
                for m in watching[name].events(until)
                if data(m)["entity"] in ("case", "interaction", "user")]

    assert told("vendor_a", last) == [("interaction", email["id"], "created"),
                                      ("case", case_a["id"], "created")]
    assert told("vendor_b", about("interaction", email["id"])) == [
        ("case", case_b["id"], "created"), ("case", case_b["id"], "updated"),
        ("interaction", email["id"], "created")]
    # In-house: both cases; the new user names no account (the log's readers only).
    assert told("agent", last) == [
        ("case", case_b["id"], "created"), ("case", case_b["id"], "updated"),
        ("interaction", email["id"], "created"), ("case", case_a["id"], "created")]


def test_without_or_with_a_bad_credential_is_401(server, world):
    for headers in ({}, {"Authorization": "Bearer " + "f" * 64},
                    {"Cookie": "rapport_session=" + "0" * 64}):
        response = requests.get(f"{server.base}{API}/stream", headers=headers, timeout=10)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_a_signed_in_browser_streams_until_its_session_ends(server, world, streams):
    server.set_password("agent@example.com", PASSWORD)
    signed_in = requests.post(f"{server.base}{API}/session",
                              json={"email": "agent@example.com", "password": PASSWORD}, timeout=30)
    assert signed_in.status_code == 200, signed_in.text
    cookie = {"Cookie": f"rapport_session={signed_in.cookies['rapport_session']}"}
    s = Stream(server.base, headers=cookie)  # what EventSource sends: the cookie, no token
    streams.append(s)
    assert s.status == 200, s.response.text
    account = create(world["clients"]["admin"], "accounts", {"name": "Cookie", "segment": "smb"})
    s.events(about("account", account["id"]))

    ended = requests.delete(f"{server.base}{API}/session", timeout=30,
                            headers=dict(cookie, **{"X-CSRF-Token": signed_in.json()["csrf_token"]}))
    assert ended.status_code == 204
    deadline = time.monotonic() + 10
    for message in s.messages():  # the next heartbeat finds the session gone
        assert time.monotonic() < deadline, "the stream outlived its session"
    assert Stream(server.base, headers=cookie).status == 401


def test_over_the_cap_is_503_until_a_stream_ends(world, streams):
    admin = world["clients"]["admin"]
    held = [stream_of(admin) for _ in range(3)]
    streams.extend(held)
    assert [s.status for s in held] == [200, 200, 200]
    refused = stream_of(admin)
    streams.append(refused)
    assert refused.status == 503, refused.response.text
    assert refused.response.headers["Content-Type"].startswith("application/problem+json")
    assert "--max-streams" in refused.response.json()["detail"]
    assert int(refused.response.headers["Retry-After"]) > 0
    # Other routes are served meanwhile, and the metrics count what is open.
    assert admin.get(f"{API}/me").status_code == 200
    assert "\nrapport_event_streams_open 3\n" in admin.get("/metrics").text

    held[0].close()  # the server sees the client go and frees its slot
    deadline = time.monotonic() + 10
    while True:
        again = stream_of(admin)
        streams.append(again)
        if again.status == 200:
            break
        assert again.status == 503
        again.close()
        assert time.monotonic() < deadline, "a closed stream's slot was never freed"
        time.sleep(0.1)


def test_stopping_the_server_ends_its_streams(server, world):
    s = stream_of(world["clients"]["agent"])
    assert s.status == 200
    server.process.send_signal(15)
    deadline = time.monotonic() + 10
    for message in s.messages():  # heartbeats until the stop ends the body
        assert time.monotonic() < deadline, "the stream outlived the server's stop"
    assert server.process.wait(timeout=10) == 0
