"""Imports: `rapport import csv|ndjson|queue-log FILE` and POST /api/v1/imports/*.

The CLI tests set up queues and agents through a short-lived server, stop it, and import
into its data directory; the upload tests talk to the running server."""
import json
import os
import re
import signal
import sqlite3
import subprocess
import time

import pytest
import requests

from conftest import API, RAPPORT_BIN, NothingWritten, Server, create, list_all, read


def run_import(data_dir, kind, path, *args, timeout=120):
    return subprocess.run([RAPPORT_BIN, "--data", data_dir, "import", kind, str(path),
                           "--format", "json", *args],
                          capture_output=True, text=True, timeout=timeout)


def summary_of(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def rejects_of(path):
    """The rejects file as {line: reason}."""
    out = {}
    with open(path) as f:
        for row in f:
            line, reason = row.rstrip("\n").split("\t", 1)
            out[int(line)] = reason
    return out


def db_count(data_dir, sql):
    conn = sqlite3.connect(f"file:{data_dir}/rapport.db?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def setup(data_dir):
    """A stopped server's data directory with a vendor, a phone queue of it, an agent and
    an account; yields the ids and the directory."""
    srv = Server(data_dir).start()
    try:
        admin = srv.client(srv.token("admin@example.com", "admin"))
        w = {"dir": data_dir, "server": srv, "admin_token": admin.session.headers["Authorization"]}
        w["vendor"] = create(admin, "vendors", {"name": "Alpha BPO"})
        w["queue"] = create(admin, "queues", {"name": "Sales phone", "channel": "phone",
                                              "vendor_id": w["vendor"]["id"]})
        w["agent"] = create(admin, "users", {"name": "Ann Agent", "email": "ann@alpha.example",
                                             "role": "vendor_agent", "is_agent": True,
                                             "vendor_id": w["vendor"]["id"]})
        w["account"] = create(admin, "accounts", {"name": "Globex", "segment": "key",
                                                  "annual_value_minor": 100})
        admin.session.close()
    finally:
        srv.stop()
    return w


CSV_HEADER = "external_id,channel,direction,arrived_at,answered_at,ended_at,outcome,queue,agent,account_id,subject\n"


def test_cli_csv_good_and_bad_rows_then_reimport_adds_nothing(setup, tmp_path):
    account = setup["account"]["id"]
    rows = [
        f"c1,phone,inbound,2025-03-03 09:00:00,2025-03-03 09:00:10,2025-03-03 09:05:00,answered,Sales phone,Ann Agent,{account},Hello",  # line 2
        "c2,phone,inbound,2025-03-03 09:10:00,,,abandoned,Sales phone,,,",  # 3
        "c3,phone,inbound,not-a-time,,,,Sales phone,,,",  # 4: bad cell
        "c4,phone,inbound,2025-03-03 09:20:00,,,,No such queue,,,",  # 5: unknown queue
        "c5,phone,inbound,2025-03-03 09:30:00,,,,,ann@alpha.example,999999,",  # 6: unknown account
        "c6,email,inbound,2025-03-03 09:40:00,,,,Sales phone,,,",  # 7: phone queue, email row
        f"c1,phone,inbound,2025-03-03 09:00:00,2025-03-03 09:00:10,2025-03-03 09:05:00,answered,Sales phone,Ann Agent,{account},Hello",  # 8: same again
        "c7,phone,inbound,2025-03-03 09:50:00,,,,,Nobody,,",  # 9: unknown agent
        "c8,phone,outbound,2025-03-03 10:00:00,,,,Sales phone,ann@alpha.example,,",  # 10
    ]
    path = tmp_path / "calls.csv"
    path.write_text(CSV_HEADER + "\n".join(rows) + "\n")
    summary = summary_of(run_import(setup["dir"], "csv", path, "--source", "pbx"))
    assert summary["lines"] == 10
    assert (summary["imported"], summary["duplicates"], summary["rejected"]) == (3, 1, 5)
    rejects = rejects_of(str(path) + ".rejects")
    assert sorted(rejects) == [4, 5, 6, 7, 9]
    assert rejects[4].startswith("arrived_at: 'not-a-time'")
    assert "queue" in rejects[5] and "No such queue" in rejects[5]
    assert "account_id" in rejects[6] and "999999" in rejects[6]
    assert "queue_id" in rejects[7] and "phone queue" in rejects[7]
    assert "agent" in rejects[9] and "Nobody" in rejects[9]

    # Again: nothing new; a stale rejects file is replaced.
    summary = summary_of(run_import(setup["dir"], "csv", path, "--source", "pbx"))
    assert (summary["imported"], summary["duplicates"], summary["rejected"]) == (0, 4, 5)
    assert sorted(rejects_of(str(path) + ".rejects")) == [4, 5, 6, 7, 9]

    # The same external id with other content is a reject naming it; a clean file leaves
    # no rejects file behind.
    changed = tmp_path / "changed.csv"
    changed.write_text(CSV_HEADER + rows[1].replace("abandoned", "timed_out") + "\n")
    summary = summary_of(run_import(setup["dir"], "csv", changed, "--source", "pbx"))
    assert (summary["imported"], summary["rejected"]) == (0, 1)
    assert "c2" in rejects_of(str(changed) + ".rejects")[2]
    clean = tmp_path / "clean.csv"
    clean.write_text(CSV_HEADER + rows[-1] + "\n")
    (tmp_path / "clean.csv.rejects").write_text("stale\n")
    summary = summary_of(run_import(setup["dir"], "csv", clean, "--source", "pbx"))
    assert (summary["duplicates"], summary["rejected"]) == (1, 0)
    assert not os.path.exists(str(clean) + ".rejects")

    # Each batch's new rows are named by one "imported" event, and carry the derived fields
    # of the write path.
    srv = setup["server"].start()
    try:
        admin = srv.client(srv.token("admin2@example.com", "admin"))
        items = list_all(admin, "interactions", source="pbx")
        assert sorted(i["external_id"] for i in items) == ["c1", "c2", "c8"]
        c1 = next(i for i in items if i["external_id"] == "c1")
        assert c1["vendor_id"] == setup["vendor"]["id"]
        assert c1["queue_id"] == setup["queue"]["id"]
        assert c1["agent_id"] == setup["agent"]["id"]
        events = admin.get(f"{API}/events?limit=500").json()["items"]
        assert not [e for e in events if e["entity"] == "interaction" and e["action"] == "created"]
        imported = [e for e in events if e["entity"] == "interaction" and e["action"] == "imported"]
        named = sorted(i for e in imported
                       for i in range(e["change"]["first_id"], e["change"]["last_id"] + 1))
        assert named == sorted(i["id"] for i in items)
        for e in imported:
            change = e["change"]
            assert e["entity_id"] == change["first_id"] and change["source"] == "pbx"
            assert change["count"] == change["last_id"] - change["first_id"] + 1
            assert 2 <= change["first_line"] <= change["last_line"]
        admin.session.close()
    finally:
        srv.stop()


def test_cli_fatal_errors_exit_1(setup, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("channel,direction,arrived_at,colour\nphone,inbound,2025-01-01 00:00,red\n")
    result = run_import(setup["dir"], "csv", bad)
    assert result.returncode == 1
    assert "colour" in result.stderr
    result = run_import(setup["dir"], "csv", tmp_path / "missing.csv")
    assert result.returncode == 1 and "missing.csv" in result.stderr
    log = tmp_path / "q.log"
    log.write_text("")
    result = run_import(setup["dir"], "queue-log", log, "--vendor", "424242")
    assert result.returncode == 1 and "vendor 424242" in result.stderr


def test_cli_import_killed_midway_then_run_again_ends_exact(setup, tmp_path):
    n = 150_000
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write("external_id,channel,direction,arrived_at,answered_at,ended_at,outcome,queue,subject\n")
        for i in range(n):
            t = 1_735_689_600 + i * 7
            f.write(f"k{i},phone,inbound,{t},{t + 12},{t + 190},answered,Sales phone,Call {i}\n")
    process = subprocess.Popen([RAPPORT_BIN, "--data", setup["dir"], "import", "csv", str(path),
                                "--source", "bulk", "--batch-rows", "2000"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    committed = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            committed = db_count(setup["dir"], "SELECT count(*) FROM interactions")
        except sqlite3.OperationalError:
            committed = 0
        if committed >= 4000:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the import finished before it was killed"
    before = db_count(setup["dir"], "SELECT count(*) FROM interactions")
    assert 0 < before < n
    # Whole batches only: every row named by its batch's event, none without.
    named = ("SELECT coalesce(sum(json_extract(change, '$.count')), 0) FROM events "
             "WHERE entity='interaction' AND action='imported'")
    assert before % 2000 == 0
    assert db_count(setup["dir"], named) == before

    summary = summary_of(run_import(setup["dir"], "csv", path, "--source", "bulk"))
    assert summary["duplicates"] == before
    assert summary["imported"] == n - before
    assert summary["rejected"] == 0
    assert db_count(setup["dir"], "SELECT count(*) FROM interactions") == n
    assert db_count(setup["dir"], "SELECT count(DISTINCT external_id) FROM interactions") == n
    assert db_count(setup["dir"], named) == n


QUEUE_LOG_1 = """\
1741000000|NONE|NONE|NONE|QUEUESTART|
1741000000|NONE|support|Agent/1001|ADDMEMBER|
1741000001|call-a|support|NONE|ENTERQUEUE||5551234|1
1741000002|call-b|support|NONE|ENTERQUEUE||5559999|2
1741000006|call-b|support|NONE|ABANDON|1|2|4
1741000011|call-a|support|Agent/1001|CONNECT|10|chan-1|3
"""
QUEUE_LOG_2 = """\
1741000131|call-a|support|Agent/1001|COMPLETECALLER|10|120|1
1741000200|NONE|support|Agent/1001|REMOVEMEMBER|
1741000201|NONE|NONE|NONE|CONFIGRELOAD|
1741000300|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001
1741000900|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/1001|600
"""


def test_cli_queue_log_call_spanning_two_files(setup, tmp_path):
    vendor = setup["vendor"]["id"]
    first, second = tmp_path / "queue_log.1", tmp_path / "queue_log"
    first.write_text(QUEUE_LOG_1)
    second.write_text(QUEUE_LOG_2)
    s1 = summary_of(run_import(setup["dir"], "queue-log", first, "--vendor", str(vendor)))
    assert (s1["calls"], s1["open_calls"], s1["imported"], s1["rejected"]) == (1, 1, 1, 0)
    # The agent is needed only once a row names it: the answered call, in the next file.
    assert (s1["queues_created"], s1["agents_created"]) == (1, 0)
    assert s1["unknown_events"] == {"QUEUESTART": 1}
    s2 = summary_of(run_import(setup["dir"], "queue-log", second, "--vendor", str(vendor)))
    assert (s2["calls"], s2["open_calls"], s2["agent_sessions"]) == (1, 0, 2)
    # Regression: a vendor agent's session of every queue (no queue) is no conflict.
    assert (s2["imported"], s2["rejected"], s2["queues_created"], s2["agents_created"]) == (3, 0, 0, 1)
    assert s2["unknown_events"] == {"CONFIGRELOAD": 1}
    # Importing the second file again adds nothing.
    s3 = summary_of(run_import(setup["dir"], "queue-log", second, "--vendor", str(vendor)))
    assert s3["imported"] == 0

    srv = setup["server"].start()
    try:
        admin = srv.client(srv.token("admin2@example.com", "admin"))
        queue = next(q for q in list_all(admin, "queues") if q["name"] == "support")
        assert (queue["channel"], queue["vendor_id"]) == ("phone", vendor)
        agent = next(u for u in list_all(admin, "users") if u["name"] == "Agent/1001")
        assert (agent["role"], agent["vendor_id"], agent["is_agent"]) == ("vendor_agent", vendor, True)
        assert agent["email"].endswith("@queue-log.invalid")
        calls = {i["external_id"].split("@")[0]: i for i in list_all(admin, "interactions", source="asterisk")}
        a = calls["call-a"]
        assert (a["outcome"], a["queue_id"], a["agent_id"], a["vendor_id"]) == ("answered", queue["id"], agent["id"], vendor)
        assert a["arrived_at"] == "2025-03-03T11:06:41.000Z"
        assert a["answered_at"] == "2025-03-03T11:06:51.000Z"  # wait 10 s
        assert a["ended_at"] == "2025-03-03T11:08:51.000Z"  # talk 120 s
        assert calls["call-b"]["outcome"] == "abandoned"
        sessions = sorted(list_all(admin, "agent_sessions", source="asterisk"), key=lambda s: s["started_at"])
        assert len(sessions) == 2
        assert (sessions[0]["agent_id"], sessions[0]["queue_id"], sessions[0]["kind"]) == (agent["id"], queue["id"], "logged_in")
        assert (sessions[1]["queue_id"], sessions[1]["vendor_id"]) == (None, vendor)
        admin.session.close()
    finally:
        srv.stop()


def test_cli_import_refused_while_a_server_serves(server, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(CSV_HEADER)
    result = run_import(server.data_dir, "csv", path)
    assert result.returncode == 1
    assert "in use" in result.stderr and "/api/v1/imports/csv" in result.stderr


UPLOAD_CSV = (
    "external_id,channel,direction,arrived_at,answered_at,ended_at,outcome,queue\n"
    "u1,phone,inbound,2025-03-05T09:00:00Z,2025-03-05T09:00:05Z,2025-03-05T09:03:00Z,answered,Alpha phone\n"
    "u2,phone,inbound,2025-03-05T09:10:00Z,2025-03-05T09:11:00Z,2025-03-05T09:13:00Z,answered,Alpha phone\n"
    "u3,phone,inbound,2025-03-05T09:20:00Z,,2025-03-05T09:21:00Z,abandoned,Alpha phone\n"
    "u4,phone,inbound,2025-03-05T09:30:00Z,,,,Nowhere\n"
    "u5,phone,inbound,2025-03-05T09:40:00Z,2025-03-05T09:39:00Z,,answered,Alpha phone\n"
)


def service_level_total(client):
    response = client.get(f"{API}/reports/service-level?from=2025-03-01&to=2025-04-01")
    assert response.status_code == 200, response.text
    return response.json()["total"]


def test_api_upload_csv(world, close_connections):
    admin = world["clients"]["admin"]
    before = service_level_total(admin)
    response = admin.post(f"{API}/imports/csv?source=upload", raw=UPLOAD_CSV,
                          headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["lines"], body["imported"], body["duplicates"], body["rejected"]) == (6, 3, 0, 2)
    reasons = {r["line"]: r["reason"] for r in body["rejects"]}
    assert sorted(reasons) == [5, 6]
    assert "Nowhere" in reasons[5]
    assert "answered_at" in reasons[6]
    items = list_all(admin, "interactions", source="upload")
    assert sorted(i["external_id"] for i in items) == ["u1", "u2", "u3"]
    assert all(i["vendor_id"] == world["vendor_a"]["id"] for i in items)
    # The analytics projection saw them (the change feed of the server's own writes).
    after = service_level_total(admin)
    assert after["offered"] == before["offered"] + 3
    assert after["answered"] == before["answered"] + 2
    assert after["abandoned"] == before["abandoned"] + 1
    # Uploading again adds nothing; the manager may upload too.
    again = world["clients"]["manager"].post(f"{API}/imports/csv?source=upload", raw=UPLOAD_CSV)
    assert again.status_code == 200, again.text
    assert (again.json()["imported"], again.json()["duplicates"]) == (0, 3)


def test_api_upload_ndjson_and_streamed_chunks(world, close_connections):
    admin = world["clients"]["admin"]
    lines = [json.dumps({"external_id": f"n{i}", "channel": "chat", "direction": "inbound",
                         "arrived_at": "2025-03-06T10:00:00Z", "queue": "In-house chat"})
             for i in range(5000)]

    def chunks():  # a chunked (streamed) body, cut mid-line
        text = ("\n".join(lines) + "\n").encode()
        for start in range(0, len(text), 7001):
            yield text[start:start + 7001]

    response = admin.session.post(f"{admin.base}{API}/imports/ndjson?source=nd", data=chunks(),
                                  timeout=60)
    assert response.status_code == 200, response.text
    assert (response.json()["imported"], response.json()["rejected"]) == (5000, 0)


def test_api_upload_reaches_the_service_clocks(world, close_connections):
    # A reply imported onto an open case meets its first-response clock: the clock index
    # reads the cases of an imported batch's contacts again.
    admin = world["clients"]["admin"]
    case = create(admin, "cases", {"account_id": world["account"]["id"], "subject": "Imported reply",
                                   "queue_id": world["queue_a"]["id"]})
    clocks = {c["metric"]: c for c in read(admin, "cases", case["id"])["clocks"]}
    assert clocks["first_response"]["state"] == "running"
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    reply = json.dumps({"external_id": f"reply-{case['id']}", "channel": "email",
                        "direction": "outbound", "case_id": case["id"], "arrived_at": now})
    response = admin.post(f"{API}/imports/ndjson?source=replies", raw=reply + "\n")
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 1
    clocks = {c["metric"]: c for c in read(admin, "cases", case["id"])["clocks"]}
    assert clocks["first_response"]["state"] == "met"


def test_api_upload_bad_header_and_options_write_nothing(world, close_connections):
    admin = world["clients"]["admin"]
    with NothingWritten(admin, "interactions"):
        response = admin.post(f"{API}/imports/csv", raw="channel,direction,arrived_at,colour\nphone,inbound,2025-01-01T00:00:00Z,red\n")
        assert response.status_code in (400, 422), response.text
        assert "colour" in response.text
        response = admin.post(f"{API}/imports/csv?colour=red", raw=UPLOAD_CSV)
        assert response.status_code == 400 and "colour" in response.text
        response = admin.post(f"{API}/imports/queue-log?vendor_id=99999", raw="")
        assert response.status_code == 422 and "vendor_id" in response.text


def test_api_upload_roles(world, close_connections):
    for role in ("vendor_a", "viewer", "agent"):
        response = world["clients"][role].post(f"{API}/imports/csv", raw=UPLOAD_CSV)
        assert response.status_code == 403, (role, response.text)
    response = requests.post(world["clients"]["admin"].base + f"{API}/imports/csv", data=UPLOAD_CSV, timeout=30)
    assert response.status_code == 401


def test_api_upload_over_the_limit_is_413(data_dir):
    process = subprocess.Popen(
        [RAPPORT_BIN, "--data", data_dir, "--log-level", "warn", "serve", "--port", "0",
         "--max-import-bytes", "2000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        match = re.search(r"http://[\d.]+:(\d+)/", process.stdout.readline())
        assert match
        base = f"http://127.0.0.1:{match.group(1)}"
        srv = Server(data_dir)
        token = srv.token("admin@example.com", "admin")
        headers = {"Authorization": f"Bearer {token}"}
        rows = "".join(f"b{i},chat,inbound,2025-03-06T10:00:00Z\n" for i in range(200))
        body = "external_id,channel,direction,arrived_at\n" + rows
        # Announced length over the limit: refused before reading.
        response = requests.post(f"{base}{API}/imports/csv", data=body, headers=headers, timeout=30)
        assert response.status_code == 413, response.text

        def chunks():  # no length announced: refused once the limit is reached
            for start in range(0, len(body), 500):
                yield body[start:start + 500].encode()

        response = requests.post(f"{base}{API}/imports/csv", data=chunks(), headers=headers, timeout=30)
        assert response.status_code == 413, response.text
        small = "external_id,channel,direction,arrived_at\nok1,chat,inbound,2025-03-06T10:00:00Z\n"
        response = requests.post(f"{base}{API}/imports/csv", data=small, headers=headers, timeout=30)
        assert response.status_code == 200 and response.json()["imported"] == 1, response.text
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
