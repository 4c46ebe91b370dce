"""Black-box tests of the service reports (issue #4) through the real binary: service
level, first-contact resolution, vendor scorecards, coverage hours, agreement deadlines and
staffing, over small exact datasets built through the API, and `rapport report`.

Most figures are worked out by hand from the data below (the definitions are those of
src/analytics/service_level.hpp); Erlang C figures are computed here with the textbook
formula, independently of the server.

Contacts live in fixed past months (March and April 2024, explicit from/to), except
first-contact resolution: a case's resolved_at is set by the server when it is resolved, so
those tests put their range around today."""
import itertools
import json
import math
import subprocess
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from conftest import (API, RAPPORT_BIN, NothingWritten, Server, assert_problem, create,
                      etag_of, read)

UTC = timezone.utc
MARCH = {"from": "2024-03-01T00:00:00Z", "to": "2024-04-01T00:00:00Z"}
APRIL = {"from": "2024-04-01T00:00:00Z", "to": "2024-05-01T00:00:00Z"}

# ---- helpers --------------------------------------------------------------------------

def at(text):
    """'2024-03-05T10:00' (UTC) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(when):
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_external = itertools.count(1)


def call(queue, arrived, *, wait=10, answered=True, talk=180, wrap=None, outcome=None,
         agent=None, account=None, channel="phone", category=None, case=None):
    """An inbound contact on `queue` arriving at `arrived` (datetime): answered after
    `wait` seconds and talking `talk` seconds, or given up after `wait` seconds."""
    body = {"source": "test", "external_id": f"c-{next(_external)}", "channel": channel,
            "direction": "inbound", "queue_id": queue["id"], "arrived_at": iso(arrived)}
    if answered:
        body["answered_at"] = iso(arrived + timedelta(seconds=wait))
        body["ended_at"] = iso(arrived + timedelta(seconds=wait + talk))
        body["outcome"] = outcome or "answered"
    else:
        body["outcome"] = outcome or "abandoned"
        if wait is not None:
            body["ended_at"] = iso(arrived + timedelta(seconds=wait))
    if wrap is not None:
        body["wrap_up_seconds"] = wrap
    if agent is not None:
        body["agent_id"] = agent["id"]
    if account is not None:
        body["account_id"] = account["id"]
    if category is not None:
        body["category"] = category
    if case is not None:
        body["case_id"] = case["id"]
    return body


def ingest(client, items):
    """Stores contacts through the batch endpoint, at most 1000 a request."""
    stored = []
    for start in range(0, len(items), 1000):
        response = client.post(f"{API}/interactions/batch", {"items": items[start:start + 1000]})
        assert response.status_code == 200, response.text
        stored += response.json()["items"]
    return stored


def report(client, name, params, status=200):
    """GET a report; `params` a dict or a list of pairs (for repeats)."""
    pairs = params.items() if isinstance(params, dict) else params
    response = client.get(f"{API}/reports/{name}?{urlencode(list(pairs))}")
    assert response.status_code == status, response.text
    return response.json()


def sl(metrics):
    return metrics["service_level_percent"]


def erlang_c(traffic, agents):
    """Probability of waiting (textbook formula, summed terms; small loads only)."""
    if agents <= traffic:
        return 1.0
    terms = [traffic ** k / math.factorial(k) for k in range(agents)]
    top = traffic ** agents / math.factorial(agents) * agents / (agents - traffic)
    return top / (sum(terms) + top)


def service_level(traffic, agents, aht, threshold):
    return 1 - erlang_c(traffic, agents) * math.exp(-(agents - traffic) * threshold / aht)


def agents_required(traffic, aht, level=0.8, threshold=20):
    if traffic <= 0:
        return 0
    n = max(1, math.ceil(traffic))
    while agents_required_fails(traffic, n, aht, level, threshold):
        n += 1
    return n


def agents_required_fails(traffic, n, aht, level, threshold):
    return n <= traffic or service_level(traffic, n, aht, threshold) < level


def today_utc():
    return datetime.now(UTC).date()


# ---- the shared dataset -----------------------------------------------------------------
#
# Alpha BPO (vendor 1), March 2024, phone, queues "Alpha one" (agent Ann) and "Alpha two"
# (agent Bob), T = 20 s:
#   Alpha one: 55 answered after 10 s, 5 after 30 s             (Ann)
#   Alpha two: 15 answered after 10 s, 5 after 30 s             (Bob)
#              10 abandoned after 10 s, 10 after 60 s, 3 after 3 s (short)
# so O = 100, A_T = 70, B_T = 10: 77.78 / 70 / 80 % (abandons ignored / against / for),
# abandonment 20 %, ASA (70·10 + 10·30) / 80 = 12.5 s, AHT 180 s talk + 30 s wrap-up on
# 40 of the 80 answered = 195 s.
# April 2024: 10 answered after 5 s (Ann), and Ann and Bob logged in 09:00-17:00 on
# 2024-04-02 with Ann paused 12:00-13:00: 15 staffed agent-hours.
#
# Beta BPO: phone at 2024-03-10 23:30Z (Berlin: the 11th; wait 15 s, key account) and
# 12:00Z (wait 40 s, standard account); chat on the 12th answered after 90 s.
#
# Gamma BPO: coverage (Mon-Fri 09-17 UTC) over the four weeks from Monday 2024-03-04.
# In-house "Forecast line": 10 calls every Monday 09:00-09:29 of those four weeks.

@pytest.fixture(scope="module")
def world():
    import shutil
    import tempfile
    data = tempfile.mkdtemp(prefix="rapport-reports-")
    srv = Server(data).start()
    clients = []

    def client(token=None):
        clients.append(srv.client(token))
        return clients[-1]

    try:
        admin = client(srv.token("admin@example.com", "admin"))
        w = {"server": srv, "admin": admin}
        c = lambda collection, body: create(admin, collection, body)  # noqa: E731
        w["alpha"] = alpha = c("vendors", {"name": "Alpha BPO"})
        w["beta"] = beta = c("vendors", {"name": "Beta BPO"})
        w["gamma"] = gamma = c("vendors", {"name": "Gamma BPO"})
        w["q1"] = q1 = c("queues", {"name": "Alpha one", "channel": "phone", "vendor_id": alpha["id"]})
        w["q2"] = q2 = c("queues", {"name": "Alpha two", "channel": "phone", "vendor_id": alpha["id"]})
        w["q3"] = q3 = c("queues", {"name": "Beta phone", "channel": "phone", "vendor_id": beta["id"]})
        w["q4"] = q4 = c("queues", {"name": "Beta chat", "channel": "chat", "vendor_id": beta["id"]})
        w["q5"] = q5 = c("queues", {"name": "Forecast line", "channel": "phone"})
        w["q6"] = q6 = c("queues", {"name": "Gamma phone", "channel": "phone", "vendor_id": gamma["id"]})
        w["ann"] = ann = c("users", {"name": "Ann Agent", "email": "ann@alpha.example",
                                     "role": "vendor_agent", "vendor_id": alpha["id"], "is_agent": True})
        w["bob"] = bob = c("users", {"name": "Bob Agent", "email": "bob@alpha.example",
                                     "role": "vendor_agent", "vendor_id": alpha["id"], "is_agent": True})
        w["cid"] = cid = c("users", {"name": "Cid Agent", "email": "cid@beta.example",
                                     "role": "vendor_agent", "vendor_id": beta["id"], "is_agent": True})
        w["key"] = key = c("accounts", {"name": "Globex", "segment": "key"})
        w["std"] = std = c("accounts", {"name": "Initech", "segment": "standard"})

        items = []
        base = at("2024-03-05T10:00")
        n = itertools.count()
        wrapped = itertools.count()

        def nxt():
            return base + timedelta(minutes=next(n))

        for i in range(55):
            items.append(call(q1, nxt(), wait=10, agent=ann, account=key if i % 2 else std,
                              wrap=30 if next(wrapped) < 40 else None))
        for _ in range(5):
            items.append(call(q1, nxt(), wait=30, agent=ann, account=key))
        for _ in range(15):
            items.append(call(q2, nxt(), wait=10, agent=bob, account=std))
        for _ in range(5):
            items.append(call(q2, nxt(), wait=30, agent=bob, account=std))
        for _ in range(10):
            items.append(call(q2, nxt(), answered=False, wait=10, account=std))
        for _ in range(10):
            items.append(call(q2, nxt(), answered=False, wait=60, account=std))
        for _ in range(3):
            items.append(call(q2, nxt(), answered=False, wait=3, account=std))
        # an outbound call and a note: never offered
        out = call(q1, nxt(), agent=ann)
        out["direction"] = "outbound"
        out["outcome"] = "answered"
        items.append(out)
        # April: ten answered quickly between 10:00 and 10:27
        for i in range(10):
            items.append(call(q1, at("2024-04-02T10:00") + timedelta(minutes=3 * i), wait=5,
                              agent=ann, account=key))
        # Beta
        items.append(call(q3, at("2024-03-10T23:30"), wait=15, agent=cid, account=key))
        items.append(call(q3, at("2024-03-10T12:00"), wait=40, agent=cid, account=std))
        items.append(call(q4, at("2024-03-12T09:00"), wait=90, agent=cid, account=key,
                          channel="chat"))
        # Gamma: coverage
        for week in range(4):
            monday = at("2024-03-04T00:00") + timedelta(weeks=week)
            for day in range(5):
                d = monday + timedelta(days=day)
                if day > 0:
                    for m in (5, 15, 25):
                        items.append(call(q6, d + timedelta(hours=9, minutes=m), wait=5, talk=300))
                elif week == 0:
                    items.append(call(q6, d + timedelta(hours=9, minutes=5), wait=5, talk=300))
                for m in (10, 20, 30):
                    items.append(call(q6, d + timedelta(hours=16, minutes=m), wait=5, talk=300))
                items.append(call(q6, d + timedelta(hours=12), wait=5, talk=300))
            for m in range(7):
                items.append(call(q6, monday + timedelta(days=5, hours=10, minutes=5 + 8 * m),
                                  answered=False, wait=None, outcome="missed_off_hours"))
            items.append(call(q6, monday + timedelta(days=6, hours=20, minutes=15),
                              answered=False, wait=30))
            # the forecast line: 10 calls on Monday 09:00-09:29
            for m in range(10):
                items.append(call(q5, monday + timedelta(hours=9, minutes=3 * m), wait=5, talk=180))
        ingest(admin, items)

        for agent, start, end, kind in [(ann, "09:00", "17:00", "logged_in"),
                                        (bob, "09:00", "17:00", "logged_in"),
                                        (ann, "12:00", "13:00", "paused")]:
            c("agent_sessions", {"source": "test", "external_id": f"s-{next(_external)}",
                                 "agent_id": agent["id"], "queue_id": q1["id"], "kind": kind,
                                 "started_at": f"2024-04-02T{start}:00Z",
                                 "ended_at": f"2024-04-02T{end}:00Z"})

        w["calendar"] = cal = c("calendars", {
            "name": "Gamma hours", "time_zone": "UTC",
            "hours": [{"day": d, "start": "09:00", "end": "17:00"}
                      for d in ("monday", "tuesday", "wednesday", "thursday", "friday")]})
        sl_target = {"metric": "service_level", "channel": "phone", "target_percent": 80,
                     "threshold_seconds": 20, "band_points": 5,
                     "schedule": [{"when": "worse", "beyond_points": 5, "amount_minor": 1000},
                                  {"when": "worse", "beyond_points": 10, "amount_minor": 5000},
                                  {"when": "better", "beyond_points": 5, "amount_minor": 300}]}
        w["deal_alpha"] = c("agreements", {
            "kind": "vendor", "vendor_id": alpha["id"], "start_date": "2024-03-01",
            "end_date": "2024-04-30", "queue_ids": [q1["id"], q2["id"]], "currency": "EUR",
            "cost_per_agent_hour_minor": 2500,
            "targets": [sl_target, {"metric": "abandonment", "target_percent": 10,
                                    "band_points": 5}]})
        w["deal_beta"] = c("agreements", {
            "kind": "vendor", "vendor_id": beta["id"], "start_date": "2024-01-01",
            "end_date": "2024-12-31", "queue_ids": [q3["id"], q4["id"]],
            "targets": [{"metric": "service_level", "channel": "phone", "target_percent": 80,
                         "threshold_seconds": 20}]})
        w["deal_gamma"] = c("agreements", {
            "kind": "vendor", "vendor_id": gamma["id"], "start_date": "2024-01-01",
            "end_date": "2024-12-31", "queue_ids": [q6["id"]], "currency": "EUR",
            "cost_per_agent_hour_minor": 2500, "coverage_calendar_id": cal["id"],
            "targets": [{"metric": "service_level", "channel": "phone", "target_percent": 80,
                         "threshold_seconds": 20}]})
        w["deal_gamma_plain"] = c("agreements", {
            "kind": "vendor", "vendor_id": gamma["id"], "start_date": "2024-01-01",
            "end_date": "2024-12-31", "queue_ids": [q6["id"]]})

        w["manager"] = client(srv.token("manager@example.com", "manager"))
        w["agent"] = client(srv.token("agent@example.com", "agent"))
        w["viewer"] = client(srv.token("viewer@example.com", "viewer"))
        w["va"] = client(srv.token("va@alpha.example", "vendor_agent", vendor=alpha["id"]))
        w["vb"] = client(srv.token("vb@beta.example", "vendor_agent", vendor=beta["id"]))
        yield w
    finally:
        for cl in clients:
            cl.session.close()
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


# ---- service level ----------------------------------------------------------------------

def alpha_march(world, client=None, **params):
    return report(client or world["admin"], "service-level",
                  {**MARCH, "vendor_id": world["alpha"]["id"], **params})


def test_service_level_issue_example_three_abandon_treatments(world):
    answer = alpha_march(world)
    total = answer["total"]
    assert total["offered"] == 100
    assert total["answered"] == 80
    assert total["answered_within_threshold"] == 70
    assert total["abandoned"] == 20
    assert total["abandoned_within_threshold"] == 10
    assert total["short_abandons"] == 3
    assert sl(total) == {"abandons_ignored": 77.78, "abandons_against": 70.0, "abandons_for": 80.0}
    assert total["abandonment_percent"] == 20.0
    assert total["average_speed_of_answer_seconds"] == 12.5
    assert total["average_handle_time_seconds"] == 195.0
    # the default grouping: vendor, channel, period (month)
    assert answer["parameters"]["group_by"] == ["vendor", "channel", "period"]
    assert answer["parameters"]["threshold_seconds"]["phone"] == 20
    assert answer["parameters"]["short_abandon_seconds"] == 5
    [group] = answer["groups"]
    assert group["vendor"] == {"id": world["alpha"]["id"], "name": "Alpha BPO"}
    assert group["channel"] == "phone"
    assert group["period"]["label"] == "2024-03"
    assert group["metrics"] == total


def test_short_abandon_threshold_changes_what_is_offered(world):
    # at 2 s, the three 3-second abandons are offered and abandoned within T
    total = alpha_march(world, short_abandon_seconds=2)["total"]
    assert (total["offered"], total["short_abandons"]) == (103, 0)
    assert total["abandoned_within_threshold"] == 13
    assert sl(total) == {"abandons_ignored": 77.78, "abandons_against": 67.96,
                         "abandons_for": 80.58}
    # at 11 s, the ten 10-second abandons are short as well
    total = alpha_march(world, short_abandon_seconds=11)["total"]
    assert (total["offered"], total["short_abandons"], total["abandoned"]) == (90, 13, 10)
    assert sl(total)["abandons_against"] == 77.78


def test_threshold_seconds_for_every_channel_and_one(world):
    total = alpha_march(world, threshold_seconds=30)["total"]
    assert total["answered_within_threshold"] == 80
    assert sl(total)["abandons_against"] == 80.0
    total = alpha_march(world, **{"threshold_seconds.phone": 30})["total"]
    assert total["answered_within_threshold"] == 80
    # another channel's threshold leaves phone alone
    total = alpha_march(world, **{"threshold_seconds.chat": 5})["total"]
    assert total["answered_within_threshold"] == 70
    # beta's chat: answered after 90 s, beyond chat's default 60 s, within 120 s
    beta = {**MARCH, "vendor_id": world["beta"]["id"], "channel": "chat"}
    assert report(world["admin"], "service-level", beta)["total"]["answered_within_threshold"] == 0
    chat = report(world["admin"], "service-level", {**beta, "threshold_seconds.chat": 120})
    assert chat["total"]["answered_within_threshold"] == 1
    assert chat["parameters"]["threshold_seconds"]["chat"] == 120


def test_group_by_queue_and_agent(world):
    answer = alpha_march(world, group_by="queue,agent")
    rows = {(g["queue"]["name"], g["agent"]["name"] if g["agent"] else None):
            (g["metrics"]["offered"], g["metrics"]["answered_within_threshold"])
            for g in answer["groups"]}
    assert rows == {("Alpha one", "Ann Agent"): (60, 55),
                    ("Alpha two", "Bob Agent"): (20, 15),
                    ("Alpha two", None): (20, 0)}
    assert answer["total"]["offered"] == 100


def test_group_by_every_dimension_by_day_in_a_time_zone(world):
    params = {"from": "2024-03-01", "to": "2024-04-01", "time_zone": "Europe/Berlin",
              "period": "day", "vendor_id": world["beta"]["id"],
              "group_by": "vendor,channel,queue,agent,segment,period"}
    answer = report(world["admin"], "service-level", params)
    # dates are local midnights in the zone (CET, +01:00, in March before the 31st)
    assert answer["parameters"]["from"].startswith("2024-02-29T23:00:00")
    assert answer["parameters"]["to"].startswith("2024-03-31T22:00:00")
    got = [(g["vendor"]["name"], g["channel"], g["queue"]["name"], g["agent"]["name"],
            g["segment"], g["period"]["label"], g["metrics"]["offered"],
            g["metrics"]["answered_within_threshold"]) for g in answer["groups"]]
    assert sorted(got) == sorted([
        ("Beta BPO", "phone", "Beta phone", "Cid Agent", "standard", "2024-03-10", 1, 0),
        ("Beta BPO", "phone", "Beta phone", "Cid Agent", "key", "2024-03-11", 1, 1),
        ("Beta BPO", "chat", "Beta chat", "Cid Agent", "key", "2024-03-12", 1, 0)])
    eleventh = next(g for g in answer["groups"] if g["period"]["label"] == "2024-03-11")
    assert eleventh["period"]["start"].startswith("2024-03-10T23:00:00")
    # the same contact at 23:30Z is on the 10th in UTC
    params.update({"time_zone": "UTC", "group_by": "period"})
    utc = report(world["admin"], "service-level", params)
    assert {g["period"]["label"]: g["metrics"]["offered"] for g in utc["groups"]} == {
        "2024-03-10": 2, "2024-03-12": 1}


def test_group_by_period_hour_and_week(world):
    answer = alpha_march(world, period="60m", group_by="period")
    by_hour = {g["period"]["label"]: g["metrics"]["offered"] for g in answer["groups"]}
    # 103 inbound contacts a minute apart from 10:00 (3 short abandons not offered; the
    # outbound call is the 104th minute)
    assert by_hour == {"2024-03-05T10:00": 60, "2024-03-05T11:00": 40}
    week = alpha_march(world, period="week", group_by="period")
    assert [g["period"]["label"] for g in week["groups"]] == ["2024-03-04"]


def test_vendor_agent_sees_only_its_vendor(world):
    # no vendor_id: confined to its own
    mine = report(world["vb"], "service-level", MARCH)
    assert mine["parameters"]["vendor_id"] == world["beta"]["id"]
    assert mine["total"]["offered"] == 3
    assert {g["vendor"]["id"] for g in mine["groups"]} == {world["beta"]["id"]}
    assert report(world["vb"], "service-level", {**MARCH, "vendor_id": world["beta"]["id"]}) == mine
    # another vendor's figures: not found, as if it did not exist
    response = world["vb"].get(f"{API}/reports/service-level?" + urlencode(
        {**MARCH, "vendor_id": world["alpha"]["id"]}))
    assert response.status_code == 404, response.text
    # Alpha's agent sees Alpha's figures only
    assert report(world["va"], "service-level", MARCH)["total"]["offered"] == 100


# ---- first-contact resolution (around today: the server stamps resolved_at) -------------

def resolve(client, case):
    case = read(client, "cases", case["id"])
    response = client.patch(f"{API}/cases/{case['id']}", {"status": "resolved"}, etag=etag_of(case))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.usefixtures("close_connections")
def test_first_contact_resolution(server, admin):
    vendor = create(admin, "vendors", {"name": "Fcr BPO"})
    queue = create(admin, "queues", {"name": "Fcr line", "channel": "phone", "vendor_id": vendor["id"]})
    acme = create(admin, "accounts", {"name": "Acme", "segment": "key"})
    other = create(admin, "accounts", {"name": "Other", "segment": "key"})
    hour_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    def case(category, account=acme):
        return create(admin, "cases", {"account_id": account["id"], "subject": category,
                                       "category": category, "status": "open",
                                       "queue_id": queue["id"]})

    single = case("billing")      # one contact, nothing after: first contact
    repeated = case("login")      # one contact, the account calls again on login: not
    twice = case("delivery")      # two contacts before resolution: not
    elsewhere = case("refund")    # another account calls on refunds after: still first
    contacts = [call(queue, hour_ago, case=single, category="billing"),
                call(queue, hour_ago, case=repeated, category="login"),
                call(queue, hour_ago, case=twice, category="delivery"),
                call(queue, hour_ago + timedelta(minutes=5), case=twice, category="delivery"),
                call(queue, hour_ago, case=elsewhere, category="refund")]
    ingest(admin, contacts)
    for c in (single, repeated, twice, elsewhere):
        resolve(admin, c)
    later = datetime.now(UTC) + timedelta(days=2)
    ingest(admin, [call(queue, later, account=acme, category="login"),
                   call(queue, later, account=other, category="refund"),
                   call(queue, later, account=acme, category="billing-2")])

    start = (hour_ago - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    judged_to = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {"from": start, "to": judged_to, "vendor_id": vendor["id"]}
    fcr = report(admin, "service-level", params)["total"]["first_contact_resolution"]
    assert fcr == {"resolved": 4, "first_contact": 2, "pending": 0, "percent": 50.0}
    # fcr_days=1: the repeat two days later no longer counts against the login case
    fcr = report(admin, "service-level", {**params, "fcr_days": 1})["total"]["first_contact_resolution"]
    assert fcr == {"resolved": 4, "first_contact": 3, "pending": 0, "percent": 75.0}
    # resolved less than 7 days before the end: pending, not judged
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fcr = report(admin, "service-level", {**params, "to": soon})["total"]["first_contact_resolution"]
    assert fcr == {"resolved": 0, "first_contact": 0, "pending": 4, "percent": None}


# ---- the change feed and a restart ------------------------------------------------------

@pytest.mark.usefixtures("close_connections")
def test_reports_follow_the_change_feed_without_restart(server, admin):
    vendor = create(admin, "vendors", {"name": "Feed BPO"})
    queue = create(admin, "queues", {"name": "Feed line", "channel": "phone", "vendor_id": vendor["id"]})
    params = {**MARCH, "vendor_id": vendor["id"]}
    assert report(admin, "service-level", params)["total"]["offered"] == 0
    [first] = ingest(admin, [call(queue, at("2024-03-05T10:00"), wait=10)])
    total = report(admin, "service-level", params)["total"]
    assert (total["offered"], total["answered_within_threshold"]) == (1, 1)
    second = create(admin, "interactions", call(queue, at("2024-03-06T10:00"), wait=15))
    total = report(admin, "service-level", params)["total"]
    assert (total["offered"], total["answered_within_threshold"]) == (2, 2)
    # a later answer moves the contact beyond T ...
    response = admin.patch(f"{API}/interactions/{second['id']}",
                           {"answered_at": "2024-03-06T10:00:45Z"}, etag=etag_of(second))
    assert response.status_code == 200, response.text
    total = report(admin, "service-level", params)["total"]
    assert (total["offered"], total["answered_within_threshold"]) == (2, 1)
    assert total["average_speed_of_answer_seconds"] == 27.5
    # ... and back within it
    second = response.json()
    response = admin.patch(f"{API}/interactions/{second['id']}",
                           {"answered_at": "2024-03-06T10:00:20Z"}, etag=etag_of(second))
    assert response.status_code == 200, response.text
    assert report(admin, "service-level", params)["total"]["answered_within_threshold"] == 2
    # a contact moved out of the range leaves the report
    response = admin.patch(f"{API}/interactions/{first['id']}",
                           {"arrived_at": "2024-04-05T10:00:00Z",
                            "answered_at": "2024-04-05T10:00:10Z",
                            "ended_at": "2024-04-05T10:03:10Z"}, etag=etag_of(first))
    assert response.status_code == 200, response.text
    assert report(admin, "service-level", params)["total"]["offered"] == 1


def test_a_restart_gives_the_same_reports(data_dir):
    """The projection is rebuilt from the store at start-up: contacts, cases, accounts'
    segments and agent sessions give the same reports as the change feed did."""
    srv = Server(data_dir).start()
    token = srv.token("admin@example.com", "admin")
    admin = srv.client(token)
    try:
        vendor = create(admin, "vendors", {"name": "Restart BPO"})
        queue = create(admin, "queues", {"name": "Restart line", "channel": "phone",
                                         "vendor_id": vendor["id"]})
        agent = create(admin, "users", {"name": "Rita", "email": "rita@restart.example",
                                        "role": "vendor_agent", "vendor_id": vendor["id"],
                                        "is_agent": True})
        account = create(admin, "accounts", {"name": "Umbrella", "segment": "smb"})
        ingest(admin, [call(queue, at("2024-03-05T10:00") + timedelta(minutes=i),
                            wait=5 + 5 * i, agent=agent, account=account) for i in range(6)]
               + [call(queue, at("2024-03-07T10:00"), answered=False, wait=25)]
               + [call(queue, at("2024-04-02T10:00") + timedelta(minutes=i), wait=5, agent=agent)
                  for i in range(4)])
        create(admin, "agent_sessions", {"source": "test", "external_id": "restart-1",
                                         "agent_id": agent["id"], "queue_id": queue["id"],
                                         "kind": "logged_in", "started_at": "2024-04-02T08:00:00Z",
                                         "ended_at": "2024-04-02T16:00:00Z"})
        create(admin, "agreements", {
            "kind": "vendor", "vendor_id": vendor["id"], "start_date": "2024-01-01",
            "end_date": "2024-12-31", "queue_ids": [queue["id"]], "cost_per_agent_hour_minor": 1000,
            "targets": [{"metric": "service_level", "channel": "phone", "target_percent": 80,
                         "threshold_seconds": 20}]})
        kase = create(admin, "cases", {"account_id": account["id"], "subject": "Restart",
                                       "category": "restart", "status": "open",
                                       "queue_id": queue["id"]})
        ingest(admin, [call(queue, datetime.now(UTC) - timedelta(hours=1), case=kase,
                            category="restart")])
        resolve(admin, kase)
        now_range = {"from": iso(datetime.now(UTC) - timedelta(days=1)),
                     "to": iso(datetime.now(UTC) + timedelta(days=9))}
        params = {**MARCH, "group_by": "queue,agent,segment,period", "period": "day"}
        before = report(admin, "service-level", params)
        cards_before = report(admin, "scorecard", {"from": "2024-03-01", "to": "2024-05-01"})
        fcr_before = report(admin, "service-level", now_range)
        assert before["total"]["offered"] == 7
        assert before["total"]["answered_within_threshold"] == 4
        assert {g["segment"] for g in before["groups"]} == {"smb", None}
        april = cards_before["scorecards"][1]
        assert april["month"] == "2024-04" and april["money"]["staffed_agent_hours"] == 8.0
        assert fcr_before["total"]["first_contact_resolution"]["first_contact"] == 1
    finally:
        admin.session.close()
        srv.stop()
    srv.start()
    admin = srv.client(token)
    try:
        assert report(admin, "service-level", params) == before
        assert report(admin, "scorecard", {"from": "2024-03-01", "to": "2024-05-01"}) == cards_before
        assert report(admin, "service-level", now_range) == fcr_before
    finally:
        admin.session.close()
        srv.stop()


@pytest.mark.usefixtures("close_connections")
def test_day_periods_across_a_change_of_summer_time(server, admin):
    """Berlin moves to CEST on 2024-03-31: that day is 23 hours long, and the local
    midnight that ends it is 22:00Z."""
    vendor = create(admin, "vendors", {"name": "Dst BPO"})
    queue = create(admin, "queues", {"name": "Dst line", "channel": "phone", "vendor_id": vendor["id"]})
    ingest(admin, [call(queue, at("2024-03-30T22:30")),    # Sat 23:30 CET
                   call(queue, at("2024-03-31T21:30")),    # Sun 23:30 CEST
                   call(queue, at("2024-03-31T22:30"))])   # Mon 00:30 CEST: out of range
    answer = report(admin, "service-level", {"from": "2024-03-30", "to": "2024-04-01",
                                             "time_zone": "Europe/Berlin", "period": "day",
                                             "group_by": "period"})
    assert answer["parameters"]["to"].startswith("2024-03-31T22:00:00")
    assert [(g["period"]["label"], g["period"]["start"][:19], g["metrics"]["offered"])
            for g in answer["groups"]] == [("2024-03-30", "2024-03-29T23:00:00", 1),
                                           ("2024-03-31", "2024-03-30T23:00:00", 1)]


@pytest.mark.usefixtures("close_connections")
def test_a_changed_segment_regroups_the_contacts(server, admin):
    queue = create(admin, "queues", {"name": "Segment line", "channel": "phone"})
    account = create(admin, "accounts", {"name": "Hooli", "segment": "standard"})
    ingest(admin, [call(queue, at("2024-03-05T10:00"), account=account)])
    params = {**MARCH, "group_by": "segment"}
    assert [g["segment"] for g in report(admin, "service-level", params)["groups"]] == ["standard"]
    patch_response = admin.patch(f"{API}/accounts/{account['id']}", {"segment": "strategic"},
                                 etag=etag_of(account))
    assert patch_response.status_code == 200, patch_response.text
    assert [g["segment"] for g in report(admin, "service-level", params)["groups"]] == ["strategic"]


# ---- vendor scorecard -------------------------------------------------------------------

def alpha_cards(world, client=None, **params):
    answer = report(client or world["admin"], "scorecard",
                    {"from": "2024-02-01", "to": "2024-06-01",
                     "agreement_id": world["deal_alpha"]["id"], **params})
    return answer, {card["month"]: card for card in answer["scorecards"]}


def metric(card, name):
    return next(m for m in card["metrics"] if m["metric"] == name)


def test_scorecard_month_worse_than_band_costs_the_first_penalty(world):
    answer, cards = alpha_cards(world)
    # the agreement runs March-April 2024: February and May are not listed
    assert list(cards) == ["2024-03", "2024-04"]
    march = cards["2024-03"]
    assert march["agreement"] == {"id": world["deal_alpha"]["id"],
                                  "vendor": {"id": world["alpha"]["id"], "name": "Alpha BPO"}}
    assert march["from"].startswith("2024-03-01T00:00:00")
    assert march["to"].startswith("2024-04-01T00:00:00")
    level = metric(march, "service_level")
    assert level["channel"] == "phone"
    assert (level["target_percent"], level["threshold_seconds"], level["band_points"]) == (80, 20, 5)
    assert level["actual_percent"] == 70.0
    assert level["deviation_points"] == -10.0
    assert level["status"] == "worse"
    # worse by 10: beyond 5 (1000), not beyond 10 (5000)
    assert level["schedule"] == {"kind": "penalty", "beyond_points": 5, "amount_minor": 1000}
    assert level["counts"]["offered"] == 100
    assert level["counts"]["answered_within_threshold"] == 70
    assert march["money"]["penalties_minor"] == 1000
    assert march["money"]["credits_minor"] == 0
    assert march["money"]["currency"] == "EUR"
    assert "surplus_agent_hours" not in march["money"]
    assert answer["parameters"]["abandons"] == "against"


def test_scorecard_abandon_treatment(world):
    _, cards = alpha_cards(world, abandons="ignored")
    level = metric(cards["2024-03"], "service_level")
    assert level["actual_percent"] == 77.78
    assert level["status"] == "within_band"
    assert level["schedule"] is None and level["deep_dive"] == []
    _, cards = alpha_cards(world, abandons="for")
    level = metric(cards["2024-03"], "service_level")
    assert (level["actual_percent"], level["status"]) == (80.0, "within_band")


def test_scorecard_deep_dive_names_what_drives_the_gap(world):
    _, cards = alpha_cards(world)
    dive = metric(cards["2024-03"], "service_level")["deep_dive"]
    by = {}
    for entry in dive:
        by.setdefault(entry["dimension"], []).append(entry)
    # by queue: Alpha one pushes up (55 of 60 within: +7) and is not listed; Alpha two
    # (15 of 40 within) costs 15 - 0.8 * 40 = -17 points
    [queue] = by["queue"]
    assert queue["queue"] == {"id": world["q2"]["id"], "name": "Alpha two"}
    assert (queue["contribution_points"], queue["actual_percent"], queue["offered"]) == (-17.0, 37.5, 40)
    assert [e["channel"] for e in by["channel"]] == ["phone"]
    assert by["channel"][0]["contribution_points"] == -10.0
    # by agent: the unanswered (no agent) -16, then Bob (15 of 20: -1); Ann is not listed
    agents = [(e["agent"]["name"] if e["agent"] else None, e["contribution_points"])
              for e in by["agent"]]
    assert agents == [(None, -16.0), ("Bob Agent", -1.0)]
    # by hour of week: Tuesday 11:00 (Alpha two's contacts) explains the gap
    hours = by["hour_of_week"]
    assert hours[0]["hour_of_week"]["weekday"] == "tuesday"
    assert hours[0]["hour_of_week"]["local_hour"] == 11
    assert sum(e["contribution_points"] for e in hours) == pytest.approx(-17.0, abs=0.02)
    # deep_dive caps entries per dimension
    _, cards = alpha_cards(world, deep_dive=1)
    dive = metric(cards["2024-03"], "service_level")["deep_dive"]
    assert [e["dimension"] for e in dive] == ["queue", "channel", "hour_of_week", "agent"]
    _, cards = alpha_cards(world, deep_dive=0)
    assert metric(cards["2024-03"], "service_level")["deep_dive"] == []


def test_scorecard_abandonment_lower_is_better(world):
    _, cards = alpha_cards(world)
    march = metric(cards["2024-03"], "abandonment")
    assert march["channel"] is None and march["threshold_seconds"] is None
    assert (march["actual_percent"], march["deviation_points"], march["status"]) == (20.0, 10.0, "worse")
    [queue] = [e for e in march["deep_dive"] if e["dimension"] == "queue"]
    assert queue["queue"]["name"] == "Alpha two" and queue["contribution_points"] == 16.0
    april = metric(cards["2024-04"], "abandonment")
    assert (april["actual_percent"], april["deviation_points"]) == (0.0, -10.0)
    assert april["status"] == "better"


def test_scorecard_better_month_credit_and_surplus_agent_hours(world):
    _, cards = alpha_cards(world)
    april = cards["2024-04"]
    level = metric(april, "service_level")
    assert (level["actual_percent"], level["deviation_points"]) == (100.0, 20.0)
    assert level["status"] == "better"
    assert level["schedule"] == {"kind": "credit", "beyond_points": 5, "amount_minor": 300}
    money = april["money"]
    assert (money["penalties_minor"], money["credits_minor"]) == (0, 300)
    # Ann and Bob 09:00-17:00, Ann paused an hour: 15 agent-hours staffed. The only busy
    # half hour (10:00-10:30: 10 calls of 180 s, 1 Erlang) needs Erlang C agents at 80/20;
    # its two staffed agents are not a surplus if fewer than needed.
    need = agents_required(10 * 180 / 1800, 180)
    assert need == 3
    assert money["staffed_agent_hours"] == 15.0
    assert money["required_agent_hours"] == need * 0.5
    surplus = 15.0 - 2 * 0.5
    assert money["surplus_agent_hours"] == surplus
    assert money["surplus_cost_minor"] == round(surplus * 2500)
    # hourly intervals: 10 calls in the hour are 0.5 Erlang
    _, cards = alpha_cards(world, interval_minutes=60)
    money = cards["2024-04"]["money"]
    need = agents_required(10 * 180 / 3600, 180)
    assert money["required_agent_hours"] == need
    assert money["surplus_agent_hours"] == 15.0 - min(2, need)
    assert money["surplus_cost_minor"] == round(money["surplus_agent_hours"] * 2500)


def test_scorecard_lists_every_agreement_the_caller_may_see(world):
    answer = report(world["admin"], "scorecard", MARCH)
    ids = {card["agreement"]["id"] for card in answer["scorecards"]}
    assert {world["deal_alpha"]["id"], world["deal_beta"]["id"], world["deal_gamma"]["id"]} <= ids
    beta = report(world["vb"], "scorecard", MARCH)
    assert {card["agreement"]["id"] for card in beta["scorecards"]} == {world["deal_beta"]["id"]}
    [card] = beta["scorecards"]
    level = metric(card, "service_level")
    assert (level["counts"]["offered"], level["actual_percent"]) == (2, 50.0)
    # another vendor, or another vendor's agreement: not found
    for params in ({"vendor_id": world["alpha"]["id"]}, {"agreement_id": world["deal_alpha"]["id"]}):
        response = world["vb"].get(f"{API}/reports/scorecard?" + urlencode({**MARCH, **params}))
        assert response.status_code == 404, response.text
    # an agent (not a vendor agent) has no scorecards
    response = world["agent"].get(f"{API}/reports/scorecard?" + urlencode(MARCH))
    assert response.status_code == 403, response.text


# ---- coverage hours ---------------------------------------------------------------------

FOUR_WEEKS = {"from": "2024-03-04", "to": "2024-04-01"}   # Mondays, UTC


def hour_of_week(day, hour):
    return ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
            "sunday"].index(day) * 24 + hour


def test_coverage_hours_edges_and_recommendations(world):
    answer = report(world["admin"], "coverage",
                    {**FOUR_WEEKS, "agreement_id": world["deal_gamma"]["id"]})
    params = answer["parameters"]
    assert params["calendar_id"] == world["calendar"]["id"]
    assert params["time_zone"] == "UTC"
    assert (params["trim_below"], params["extend_above"]) == (2, 5)
    assert (params["service_level_percent"], params["threshold_seconds"]) == (80, 20)
    assert answer["weeks"] == 4.0
    assert answer["average_handle_time_seconds"] == 300.0

    hours = answer["hours"]
    assert len(hours) == 168
    empty = {"contacts": 0, "answered": 0, "missed": 0}

    def cell(day, hour):
        entry = hours[hour_of_week(day, hour)]
        assert (entry["weekday"], entry["local_hour"]) == (day, hour)
        return entry

    assert cell("monday", 9)["inside"] == {"contacts": 1, "answered": 1, "missed": 0}
    assert cell("tuesday", 9)["inside"] == {"contacts": 12, "answered": 12, "missed": 0}
    assert cell("friday", 16)["inside"] == {"contacts": 12, "answered": 12, "missed": 0}
    assert cell("wednesday", 12)["inside"] == {"contacts": 4, "answered": 4, "missed": 0}
    assert cell("tuesday", 9)["outside"] == empty
    assert cell("saturday", 10)["outside"] == {"contacts": 28, "answered": 0, "missed": 28}
    assert cell("saturday", 10)["inside"] == empty
    assert cell("sunday", 20)["outside"] == {"contacts": 4, "answered": 0, "missed": 4}
    everything = 1 + 4 * 12 + 5 * 12 + 20 + 28 + 4
    assert sum(h["inside"]["contacts"] + h["outside"]["contacts"] for h in hours) == everything

    edges = {(e["block"]["from"]["weekday"], e["edge"]): (e["contacts"], e["per_week"])
             for e in answer["edges"]}
    assert len(edges) == 10
    assert edges[("monday", "first_hour")] == (1, 0.25)
    assert edges[("tuesday", "first_hour")] == (12, 3.0)
    assert edges[("monday", "last_hour")] == (12, 3.0)
    assert answer["edges"][0]["block"] == {"from": {"weekday": "monday", "time": "09:00"},
                                           "to": {"weekday": "monday", "time": "17:00"}}

    # trim Monday's quiet first hour; extend to Saturday 10:00 (7 a week > 5); Sunday 20:00
    # (1 a week) stays out
    recs = answer["recommendations"]
    assert [(r["action"], r["hour_of_week"]["hour"]) for r in recs] == [
        ("trim", hour_of_week("monday", 9)), ("extend", hour_of_week("saturday", 10))]
    trim, extend = recs
    assert (trim["block"]["from"]["weekday"], trim["edge"]) == ("monday", "first_hour")
    assert trim["contacts_per_week"] == 0.25
    assert trim["agents"] == 1
    per_year = 365.25 / 7
    assert trim["agent_hours_per_year"] == round(per_year, 2)
    assert trim["money_per_year_minor"] == round(per_year * 2500)
    assert trim["currency"] == "EUR"
    assert extend["contacts_per_week"] == 7.0
    agents = max(1, agents_required(7 * 300 / 3600, 300))
    assert extend["agents"] == agents
    assert extend["agent_hours_per_year"] == round(agents * per_year, 2)
    assert extend["money_per_year_minor"] == round(agents * per_year * 2500)
    assert "span" not in extend


def test_coverage_thresholds_are_parameters(world):
    answer = report(world["admin"], "coverage",
                    {**FOUR_WEEKS, "agreement_id": world["deal_gamma"]["id"],
                     "trim_below": 3.5, "extend_above": 0.5})
    recs = [(r["action"], r["hour_of_week"]["hour"]) for r in answer["recommendations"]]
    # every edge hour (3 a week or fewer) is trimmed; Sunday 20:00 (1 a week) is now worth extending
    assert len([r for r in recs if r[0] == "trim"]) == 10
    assert [r for r in recs if r[0] == "extend"] == [
        ("extend", hour_of_week("saturday", 10)), ("extend", hour_of_week("sunday", 20))]


def test_coverage_needs_an_agreement_with_a_calendar(world):
    admin = world["admin"]
    with NothingWritten(admin, "agreements"):
        response = admin.get(f"{API}/reports/coverage?" + urlencode(FOUR_WEEKS))
        assert_problem(response, 400, "agreement_id", "required")
        response = admin.get(f"{API}/reports/coverage?" + urlencode(
            {**FOUR_WEEKS, "agreement_id": world["deal_gamma_plain"]["id"]}))
        assert_problem(response, 400, "agreement_id", "calendar")
        response = admin.get(f"{API}/reports/coverage?" + urlencode(
            {**FOUR_WEEKS, "agreement_id": "x"}))
        assert_problem(response, 400, "agreement_id")
        response = admin.get(f"{API}/reports/coverage?" + urlencode(
            {**FOUR_WEEKS, "agreement_id": 999999}))
        assert response.status_code == 404, response.text
        # another vendor's agreement, for a vendor agent: not found
        response = world["vb"].get(f"{API}/reports/coverage?" + urlencode(
            {**FOUR_WEEKS, "agreement_id": world["deal_gamma"]["id"]}))
        assert response.status_code == 404, response.text


# ---- agreement deadlines ----------------------------------------------------------------

@pytest.mark.usefixtures("close_connections")
def test_deadlines(server, admin):
    alpha = create(admin, "vendors", {"name": "Alpha BPO"})
    beta = create(admin, "vendors", {"name": "Beta BPO"})
    globex = create(admin, "accounts", {"name": "Globex", "segment": "key"})
    for attempt in range(2):  # the day may turn between our today and the server's
        today = today_utc()

        def on(days):
            return (today + timedelta(days=days)).isoformat()

        if attempt == 0:
            customer = create(admin, "agreements", {
                "kind": "customer", "account_id": globex["id"], "start_date": on(-300),
                "end_date": on(100), "notice_days": 30, "auto_renew": True,
                "annual_value_minor": 12_000_000, "currency": "GBP"})
            passed = create(admin, "agreements", {
                "kind": "vendor", "vendor_id": alpha["id"], "start_date": on(-300),
                "end_date": on(10), "notice_days": 20, "annual_value_minor": 500_000})
            far = create(admin, "agreements", {
                "kind": "vendor", "vendor_id": beta["id"], "start_date": on(-300),
                "end_date": on(400), "notice_days": 0})
        answer = report(admin, "deadlines", {})
        if answer["parameters"]["today"] == today.isoformat():
            break
    params = answer["parameters"]
    assert params["lead_days"] == [90, 60, 30, 7] and params["time_zone"] == "UTC"
    rows = answer["agreements"]
    # ordered by deadline
    assert [r["agreement_id"] for r in rows] == [passed["id"], customer["id"], far["id"]]
    first, second, third = rows
    assert first["notice_deadline"] == on(-10)
    assert (first["days_remaining"], first["status"]) == (-10, "passed")
    assert first["party"] == {"vendor_id": alpha["id"], "name": "Alpha BPO"}
    assert all(a["reached"] for a in first["alerts"])
    assert second["kind"] == "customer"
    assert second["party"] == {"account_id": globex["id"], "name": "Globex"}
    assert (second["end_date"], second["notice_days"], second["auto_renew"]) == (on(100), 30, True)
    assert (second["notice_deadline"], second["days_remaining"]) == (on(70), 70)
    assert second["status"] == "open"
    assert second["alerts"] == [{"lead_days": 90, "on": on(-20), "reached": True},
                                {"lead_days": 60, "on": on(10), "reached": False},
                                {"lead_days": 30, "on": on(40), "reached": False},
                                {"lead_days": 7, "on": on(63), "reached": False}]
    assert (second["annual_value_minor"], second["currency"]) == (12_000_000, "GBP")
    assert (third["notice_deadline"], third["days_remaining"]) == (on(400), 400)
    assert not any(a["reached"] for a in third["alerts"])

    # lead times, kind and a horizon; passed deadlines are always shown
    answer = report(admin, "deadlines", {"lead_days": "70,0", "within_days": 100})
    assert [r["agreement_id"] for r in answer["agreements"]] == [passed["id"], customer["id"]]
    alerts = answer["agreements"][1]["alerts"]
    assert [(a["lead_days"], a["reached"]) for a in alerts] == [(70, True), (0, False)]
    answer = report(admin, "deadlines", {"kind": "vendor"})
    assert [r["agreement_id"] for r in answer["agreements"]] == [passed["id"], far["id"]]
    answer = report(admin, "deadlines", {"kind": "customer"})
    assert [r["agreement_id"] for r in answer["agreements"]] == [customer["id"]]

    # a vendor agent: its own vendor's agreements, no money
    va = server.client(server.token("va@alpha.example", "vendor_agent", vendor=alpha["id"]))
    rows = report(va, "deadlines", {})["agreements"]
    assert [r["agreement_id"] for r in rows] == [passed["id"]]
    assert "annual_value_minor" not in rows[0] and "currency" not in rows[0]

    with NothingWritten(admin, "agreements"):
        for params, field in [({"kind": "supplier"}, "kind"), ({"lead_days": "30,x"}, "lead_days"),
                              ({"time_zone": "Mars/Olympus"}, "time_zone"),
                              ({"within_days": "-1"}, "within_days"), ({"colour": "red"}, "colour")]:
            assert_problem(admin.get(f"{API}/reports/deadlines?" + urlencode(params)), 400, field)


# ---- staffing ---------------------------------------------------------------------------

def test_staffing_calculator(world):
    params = {"calls": 100, "interval_minutes": 30, "aht_seconds": 180,
              "service_level_percent": 80, "threshold_seconds": 20}
    answer = report(world["agent"], "staffing", params)
    s = answer["staffing"]
    assert s["traffic_erlangs"] == 10.0
    assert (s["agents"], s["scheduled_agents"]) == (14, 14)
    assert s["service_level_percent"] == pytest.approx(88.8, abs=0.05)
    assert s["service_level_percent"] == pytest.approx(service_level(10, 14, 180, 20) * 100, abs=0.01)
    assert s["occupancy_percent"] == pytest.approx(71.43, abs=0.01)
    # mean wait: Pw · AHT / (N − A)
    assert s["average_speed_of_answer_seconds"] == pytest.approx(erlang_c(10, 14) * 180 / 4, abs=0.01)
    assert answer["parameters"]["calls"] == 100
    # 30 % shrinkage: 14 on the phones need 20 scheduled
    s = report(world["agent"], "staffing", {**params, "shrinkage_percent": 30})["staffing"]
    assert (s["agents"], s["scheduled_agents"]) == (14, 20)
    # an occupancy cap of 70 %: 15 agents (10 / 14 is 71.4 %)
    s = report(world["agent"], "staffing", {**params, "max_occupancy_percent": 70})["staffing"]
    assert s["agents"] == 15
    # the calculator needs a handle time
    assert_problem(world["agent"].get(f"{API}/reports/staffing?calls=100"), 400, "aht_seconds")


def test_staffing_forecast_plan_from_past_weeks(world):
    # four Mondays (4, 11, 18, 25 March) of 10 calls at 09:00-09:29 on the forecast line
    answer = report(world["admin"], "staffing",
                    {"from": "2024-04-01T00:00:00Z", "queue_id": world["q5"]["id"]})
    params = answer["parameters"]
    assert params["week_from"].startswith("2024-04-01T00:00:00")
    assert params["history_from"].startswith("2024-03-04T00:00:00")
    assert (params["weeks"], params["period"], params["aht_seconds"]) == (4, "30m", 180.0)
    intervals = answer["intervals"]
    assert len(intervals) == 7 * 48
    busy = [i for i in intervals if i["forecast_contacts"]]
    assert [i["label"] for i in busy] == ["2024-04-01T09:00"]
    [nine] = busy
    assert nine["start"].startswith("2024-04-01T09:00:00")
    assert nine["forecast_contacts"] == 10.0 and nine["traffic_erlangs"] == 1.0
    assert nine["agents"] == agents_required(1.0, 180) == 3
    assert all(i["agents"] == 0 for i in intervals if i is not nine)
    assert answer["agent_hours"] == 1.5
    # with two weeks of history, the same; with five, the empty week before halves it
    two = report(world["admin"], "staffing", {"from": "2024-04-01T00:00:00Z", "weeks": 2,
                                              "queue_id": world["q5"]["id"]})
    assert [i["forecast_contacts"] for i in two["intervals"] if i["forecast_contacts"]] == [10.0]
    five = report(world["admin"], "staffing", {"from": "2024-04-01T00:00:00Z", "weeks": 5,
                                               "queue_id": world["q5"]["id"]})
    assert [i["forecast_contacts"] for i in five["intervals"] if i["forecast_contacts"]] == [8.0]
    # hourly intervals, with a handle time given
    hourly = report(world["admin"], "staffing", {"from": "2024-04-01T00:00:00Z", "period": "60m",
                                                 "aht_seconds": 360, "queue_id": world["q5"]["id"]})
    [nine] = [i for i in hourly["intervals"] if i["forecast_contacts"]]
    assert (nine["label"], nine["traffic_erlangs"]) == ("2024-04-01T09:00", 1.0)
    assert len(hourly["intervals"]) == 168


def test_staffing_without_history_needs_a_handle_time(world):
    response = world["admin"].get(f"{API}/reports/staffing?" + urlencode(
        {"from": "2020-01-06T00:00:00Z", "queue_id": world["q5"]["id"]}))
    assert_problem(response, 400, "aht_seconds")


@pytest.mark.usefixtures("close_connections")
def test_staffing_calculator_names_only_the_bad_inputs(world):
    # A bad `calls` still asks for the calculator: its interval_minutes is no unknown
    # parameter, a bad handle time is not also "required", and bounds read as people write them.
    response = world["agent"].get(f"{API}/reports/staffing?" + urlencode(
        [("calls", "-1"), ("interval_minutes", "15"), ("aht_seconds", "x"),
         ("service_level_percent", "100")]))
    problem = assert_problem(response, 400, "calls", "from 0 to 1000000000, not '-1'")
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert set(messages) == {"calls", "aht_seconds", "service_level_percent"}, messages
    assert messages["service_level_percent"] == "must be a number from 0.01 to 99.99, not '100'"
    assert messages["aht_seconds"] == "must be a number from 1 to 86400, not 'x'"


def test_staffing_weeks_are_local_weeks_across_summer_time(server, admin):
    """Berlin: CET to CEST on 2024-03-31, back on 2024-10-27. The history is the four local
    weeks before the planned week, and the planned week is a local week (167 or 169 hours)."""
    queue = create(admin, "queues", {"name": "Dst forecast", "channel": "phone"})
    items = []
    # Sunday 23:15 local on five Sundays (the first is a week too early) and Monday 00:15
    # local on the four Mondays of the history
    for day, hour in [("03-03", 22), ("03-10", 22), ("03-17", 22), ("03-24", 22), ("03-31", 21)]:
        items += [call(queue, at(f"2024-{day}T{hour}:15") + timedelta(seconds=s), wait=5)
                  for s in range(10)]
    for day in ("03-03", "03-10", "03-17", "03-24"):
        items += [call(queue, at(f"2024-{day}T23:15") + timedelta(seconds=s), wait=5) for s in range(4)]
    # autumn: Monday 00:15 CEST on four Mondays before the week of 2024-10-28
    for day in ("09-29", "10-06", "10-13", "10-20"):
        items += [call(queue, at(f"2024-{day}T22:15") + timedelta(seconds=s), wait=5) for s in range(4)]
    ingest(admin, items)

    def plan(week_from):
        answer = report(admin, "staffing", {"from": week_from, "time_zone": "Europe/Berlin",
                                            "queue_id": queue["id"]})
        return answer, [(i["label"], i["forecast_contacts"]) for i in answer["intervals"]
                        if i["forecast_contacts"]]

    answer, busy = plan("2024-03-31T22:00:00Z")   # Monday 1 April 00:00 CEST
    assert answer["parameters"]["history_from"].startswith("2024-03-03T23:00:00")  # Mon 4 March CET
    assert busy == [("2024-04-01T00:00", 4.0), ("2024-04-07T23:00", 10.0)]
    assert len(answer["intervals"]) == 7 * 48
    answer, busy = plan("2024-10-27T23:00:00Z")   # Monday 28 October 00:00 CET
    assert answer["parameters"]["history_from"].startswith("2024-09-29T22:00:00")  # Mon 30 Sept CEST
    assert busy == [("2024-10-28T00:00", 4.0)]
    # the week holding the change ends at the next local Monday: 167 hours in spring, with
    # no interval for the skipped 02:00-03:00; 169 in autumn, the repeated hour's
    # half-hours holding an hour each
    spring, _ = plan("2024-03-24T23:00:00Z")
    labels = [i["label"] for i in spring["intervals"]]
    assert len(labels) == 167 * 2 and labels[-1] == "2024-03-31T23:30"
    assert "2024-03-31T02:00" not in labels and "2024-03-31T03:00" in labels
    autumn, _ = plan("2024-10-20T22:00:00Z")
    starts = {i["label"]: i["start"][:19] for i in autumn["intervals"]}
    assert len(starts) == 168 * 2 and list(starts)[-1] == "2024-10-27T23:30"
    assert (starts["2024-10-27T02:30"], starts["2024-10-27T03:00"]) == ("2024-10-27T00:30:00",
                                                                      "2024-10-27T02:00:00")


# ---- bad input and authorization --------------------------------------------------------

BAD_INPUT = [
    ("service-level", [("colour", "red")], "colour", "not a parameter"),
    ("service-level", [("group_by", "vendor,colour")], "group_by", "colour"),
    ("service-level", [("group_by", "queue,queue")], "group_by", "twice"),
    ("service-level", [("period", "fortnight")], "period", "fortnight"),
    ("service-level", [("from", "2024-04-01"), ("to", "2024-03-01")], "to", "after"),
    ("service-level", [("from", "yesterday")], "from", "yesterday"),
    ("service-level", [("time_zone", "Mars/Olympus")], "time_zone", "Mars/Olympus"),
    ("service-level", [("vendor_id", "1"), ("vendor_id", "2")], "vendor_id", "more than once"),
    ("service-level", [("threshold_seconds", "0")], "threshold_seconds", ""),
    ("service-level", [("threshold_seconds.fax", "10")], "threshold_seconds.fax", ""),
    ("service-level", [("channel", "pigeon")], "channel", "pigeon"),
    ("service-level", [("queue_id", "1,x")], "queue_id", "x"),
    ("service-level", [("fcr_days", "0")], "fcr_days", ""),
    ("scorecard", [("abandons", "maybe")], "abandons", "maybe"),
    ("scorecard", [("interval_minutes", "20")], "interval_minutes", "15, 30 or 60"),
    ("scorecard", [("deep_dive", "51")], "deep_dive", ""),
    ("scorecard", [("group_by", "vendor")], "group_by", "not a parameter"),
    ("staffing", [("period", "day")], "period", "day"),
    ("staffing", [("weeks", "53")], "weeks", ""),
    ("staffing", [("calls", "-1"), ("aht_seconds", "180")], "calls", ""),
    ("staffing", [("from", "2024-04-01T00:00:00Z"), ("time_zone", "Nowhere/Land")], "time_zone", ""),
]


@pytest.mark.parametrize("name,params,field,words", BAD_INPUT,
                         ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BAD_INPUT)])
def test_bad_parameters_are_named_and_write_nothing(world, name, params, field, words):
    admin = world["admin"]
    with NothingWritten(admin, "interactions", "agreements"):
        response = admin.get(f"{API}/reports/{name}?{urlencode(params)}")
        assert_problem(response, 400, field, *([words] if words else []))


def test_every_bad_parameter_is_named_at_once(world):
    response = world["admin"].get(f"{API}/reports/service-level?" + urlencode(
        [("colour", "red"), ("group_by", "size"), ("time_zone", "Mars/Olympus")]))
    problem = assert_problem(response, 400, "colour")
    assert {e["field"] for e in problem["errors"]} >= {"colour", "group_by", "time_zone"}


def test_report_roles(world):
    for role in ("manager", "viewer", "agent"):
        answer = report(world[role], "service-level", {**MARCH, "vendor_id": world["alpha"]["id"]})
        assert answer["total"]["offered"] == 100
    for role in ("manager", "viewer"):
        report(world[role], "scorecard", MARCH)
        report(world[role], "deadlines", {})
    for name in ("scorecard", "coverage", "deadlines"):
        response = world["agent"].get(f"{API}/reports/{name}")
        assert response.status_code == 403, (name, response.text)
    response = world["server"].client().get(f"{API}/reports/service-level")
    assert response.status_code == 401, response.text
    # a vendor agent's staffing forecast is its own vendor's: Alpha's Tuesday contacts over
    # four weeks (30, 30, 30 and 10 offered per half hour from 10:00), not the in-house
    # forecast line; another vendor is not found
    answer = report(world["va"], "staffing", {"from": "2024-04-01T00:00:00Z", "aht_seconds": 180})
    assert answer["parameters"]["vendor_id"] == world["alpha"]["id"]
    busy = [(i["label"], i["forecast_contacts"]) for i in answer["intervals"] if i["forecast_contacts"]]
    assert busy == [("2024-04-02T10:00", 7.5), ("2024-04-02T10:30", 7.5),
                    ("2024-04-02T11:00", 7.5), ("2024-04-02T11:30", 2.5)]
    response = world["va"].get(f"{API}/reports/staffing?" + urlencode(
        {"from": "2024-04-01T00:00:00Z", "vendor_id": world["beta"]["id"], "aht_seconds": 180}))
    assert response.status_code == 404, response.text


# ---- rapport report ---------------------------------------------------------------------

def test_report_command_on_a_stopped_servers_data(data_dir):
    import csv
    import io
    srv = Server(data_dir).start()
    admin = srv.client(srv.token("admin@example.com", "admin"))
    try:
        vendor = create(admin, "vendors", {"name": "Cli BPO"})
        queue = create(admin, "queues", {"name": "Cli line", "channel": "phone",
                                         "vendor_id": vendor["id"]})
        ingest(admin, [call(queue, at("2024-03-05T10:00") + timedelta(minutes=i),
                            wait=10 if i < 7 else 30) for i in range(10)]
               + [call(queue, at("2024-03-06T10:00"), answered=False, wait=12)])
        deal = create(admin, "agreements", {
            "kind": "vendor", "vendor_id": vendor["id"], "start_date": "2024-01-01",
            "end_date": "2024-12-31", "queue_ids": [queue["id"]],
            "targets": [{"metric": "service_level", "channel": "phone", "target_percent": 80,
                         "threshold_seconds": 20,
                         "schedule": [{"when": "worse", "beyond_points": 5, "amount_minor": 1000}]}]})
        params = {**MARCH, "vendor_id": vendor["id"]}
        api_answer = report(admin, "service-level", params)
    finally:
        admin.session.close()
        srv.stop()

    def cli(*args):
        return subprocess.run([RAPPORT_BIN, "--data", data_dir, "report", *args],
                              capture_output=True, text=True, timeout=60)

    options = ["--from", MARCH["from"], "--to", MARCH["to"], "--vendor-id", str(vendor["id"])]
    result = cli("--format", "json", "service-level", *options)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == api_answer
    total = api_answer["total"]
    assert (total["offered"], total["answered_within_threshold"]) == (11, 7)
    assert total["service_level_percent"] == {"abandons_ignored": 70.0, "abandons_against": 63.64,
                                              "abandons_for": 72.73}

    result = cli("--format", "csv", "service-level", *options)
    assert result.returncode == 0, result.stderr
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["vendor"] == "Cli BPO" and row["channel"] == "phone" and row["period"] == "2024-03"
    assert row["offered"] == "11"
    assert row["service_level_percent.abandons_against"] == "63.64"
    assert row["average_speed_of_answer_seconds"] == "16"

    result = cli("service-level", *options)  # a table by default
    assert result.returncode == 0, result.stderr
    assert "Cli BPO" in result.stdout and "63.64" in result.stdout and "offered" in result.stdout

    result = cli("--format", "csv", "scorecard", "--from", "2024-03-01", "--to", "2024-04-01",
                 "--agreement-id", str(deal["id"]))
    assert result.returncode == 0, result.stderr
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert (row["month"], row["metric"], row["status"], row["actual_percent"]) == (
        "2024-03", "service_level", "worse", "63.64")
    assert row["money.penalties_minor"] == "1000"

    result = cli("--format", "json", "staffing", "--calls", "100", "--aht-seconds", "180")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["staffing"]["agents"] == 14

    # an unknown parameter, or a bad one: exit 1, named as an option
    result = cli("service-level", *options, "--colour", "red")
    assert result.returncode == 1
    assert "--colour" in result.stderr and result.stdout == ""
    result = cli("service-level", "--group-by", "size")
    assert result.returncode == 1 and "--group-by" in result.stderr
    result = cli("--format", "xml", "service-level")
    assert result.returncode != 0


# ---- agent sessions and the command line -------------------------------------------------

@pytest.mark.usefixtures("close_connections")
def test_agent_session_without_a_queue_is_stored(server, admin):
    vendor = create(admin, "vendors", {"name": "Session BPO"})
    agent = create(admin, "users", {"name": "Sam", "email": "sam@session.example",
                                    "role": "vendor_agent", "vendor_id": vendor["id"],
                                    "is_agent": True})
    session = create(admin, "agent_sessions", {"source": "test", "external_id": "no-queue",
                                               "kind": "logged_in", "agent_id": agent["id"],
                                               "started_at": "2024-04-02T09:00:00Z",
                                               "ended_at": "2024-04-02T17:00:00Z"})
    assert session["vendor_id"] == vendor["id"] and session["queue_id"] is None


def test_report_command_format_after_the_name(data_dir):
    result = subprocess.run([RAPPORT_BIN, "--data", data_dir, "report", "staffing", "--calls", "100",
                             "--aht-seconds", "180", "--format", "json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["staffing"]["agents"] == 14
