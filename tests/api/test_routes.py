"""Black-box tests of every route: happy paths, pagination and filters, ETag/If-Match,
idempotent ingest, atomic batches, bad input (nothing written), the case status machine
and the fields the server derives.

Each test gets a fresh server and data directory from the conftest fixtures."""
import json
import re
import socket
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from conftest import (API, PROBLEM, NothingWritten, all_events, create, etag_of, event_count, list_all, patch, read,
                      record_of)


# ---- helpers --------------------------------------------------------------------------

pytestmark = pytest.mark.usefixtures("close_connections")


INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def same(a, b):
    """Equal as JSON values, instants compared as instants (the server writes .000Z)."""
    if isinstance(a, str) and isinstance(b, str) and INSTANT.match(a) and INSTANT.match(b):
        return datetime.fromisoformat(a.replace("Z", "+00:00")) == \
            datetime.fromisoformat(b.replace("Z", "+00:00"))
    return a == b












def ids(items):
    return [item["id"] for item in items]


def last_sequence(client):
    events = all_events(client)
    return events[-1]["sequence"] if events else 0


def assert_problem(response, status, *fields):
    """A problem+json answer with `status` whose errors[] name every one of `fields`."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    problem = response.json()
    assert problem["status"] == status
    named = {error["field"] for error in problem.get("errors", [])}
    for field in fields:
        assert field in named, f"{field!r} not named in {problem}"
    return problem


def rejected(client, collections, send, status, *fields):
    """Sends a bad request: a problem naming `fields`, and nothing written."""
    if isinstance(collections, str):
        collections = (collections,)
    with NothingWritten(client, *collections):
        return assert_problem(send(), status, *fields)


def interaction(n=0, **overrides):
    arrived = datetime(2025, 5, 1, 8, tzinfo=timezone.utc) + timedelta(minutes=n)
    body = {"source": "test", "external_id": f"ext-{n}", "channel": "phone",
            "direction": "inbound", "arrived_at": arrived.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "outcome": "answered"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


# ---- 1. every route's happy path ------------------------------------------------------

COLLECTIONS = {
    "users": (lambda w: {"name": "Zed Agent", "email": "zed@example.com", "role": "agent",
                         "is_agent": True},
              lambda w: {"team": "Tier 2"}),
    "vendors": (lambda w: {"name": "Gamma BPO", "executive_sponsor": "Gail"},
                lambda w: {"point_of_contact": "pat@gamma.example"}),
    "queues": (lambda w: {"name": "Gamma SMS", "channel": "sms",
                          "vendor_id": w["vendor_a"]["id"]},
               lambda w: {"name": "Alpha SMS"}),
    "accounts": (lambda w: {"name": "Initech", "segment": "standard", "currency": "EUR",
                            "time_zone": "Europe/Berlin", "customer_since": "2020-02-29"},
                 lambda w: {"priority": "high", "annual_value_minor": 500}),
    "people": (lambda w: {"account_id": w["account"]["id"], "name": "Bob Ray",
                          "emails": ["bob@globex.example"]},
               lambda w: {"phones": ["+44 20 7946 0000"]}),
    "agreements": (lambda w: {"kind": "customer", "account_id": w["account"]["id"],
                              "start_date": "2025-01-01", "end_date": "2025-12-31",
                              "currency": "GBP"},
                   lambda w: {"notice_days": 30}),
    "cases": (lambda w: {"account_id": w["account"]["id"], "subject": "Billing query",
                         "queue_id": w["queue_house"]["id"]},
              lambda w: {"priority": "urgent", "category": "billing"}),
    "interactions": (lambda w: {"source": "chat", "external_id": "c-1", "channel": "chat",
                                "direction": "inbound", "queue_id": w["queue_house"]["id"],
                                "arrived_at": "2025-04-01T12:00:00Z", "outcome": "answered"},
                     lambda w: {"subject": "Password reset", "tags": ["login"]}),
}


@pytest.mark.parametrize("collection", list(COLLECTIONS))
def test_collection_happy_path(world, admin, collection):
    make_body, make_patch = COLLECTIONS[collection]
    body, change = make_body(world), make_patch(world)
    events_before = event_count(admin)

    created = admin.post(f"{API}/{collection}", body)
    assert created.status_code == 201, created.text
    assert created.headers["Content-Type"].startswith("application/json")
    record = created.json()
    assert record["version"] == 1
    assert created.headers["ETag"] == etag_of(record)
    assert created.headers["Location"] == f"{API}/{collection}/{record['id']}"
    for key, value in body.items():
        assert same(record[key], value), key
    assert event_count(admin) == events_before + 1

    got = admin.get(created.headers["Location"])
    assert got.status_code == 200
    # An open case's live clocks move with time (in the test calendar's business hours a
    # read a millisecond later may show one second less remaining): the rest must match.
    assert record_of(got.json()) == record_of(record)
    assert got.headers["ETag"] == etag_of(record)

    listed = list_all(admin, collection)
    assert record_of(record) in [record_of(item) for item in listed]
    assert ids(listed) == sorted(ids(listed))

    updated = admin.patch(f"{API}/{collection}/{record['id']}", change, etag=etag_of(record))
    assert updated.status_code == 200, updated.text
    new = updated.json()
    assert new["version"] == 2
    assert updated.headers["ETag"] == '"2"'
    for key, value in change.items():
        assert new[key] == value, key
    assert new["created_at"] == record["created_at"]
    assert record_of(read(admin, collection, record["id"])) == record_of(new)
    assert admin.get(f"{API}/{collection}/{record['id']}").headers["ETag"] == '"2"'
    last = all_events(admin)[-1]
    assert (last["entity_id"], last["action"]) == (record["id"], "updated")
    assert last["change"]["patch"] == change


@pytest.mark.parametrize("collection", list(COLLECTIONS))
def test_get_unknown_id_is_404(admin, collection):
    for bad in ("99999", "0", "-1", "abc"):
        assert_problem(admin.get(f"{API}/{collection}/{bad}"), 404)
    assert_problem(admin.patch(f"{API}/{collection}/99999", {"name": "x"}, etag='"1"'), 404)


def test_batch_happy_path(world, admin):
    items = [interaction(i, source="batch", queue_id=world["queue_a"]["id"]) for i in range(3)]
    response = admin.post(f"{API}/interactions/batch", {"items": items})
    assert response.status_code == 200, response.text
    stored = response.json()["items"]
    assert len(stored) == 3
    assert [s["external_id"] for s in stored] == ["ext-0", "ext-1", "ext-2"]
    assert all(s["version"] == 1 and s["vendor_id"] == world["vendor_a"]["id"] for s in stored)
    assert list_all(admin, "interactions", source="batch") == stored
    for s in stored:
        assert read(admin, "interactions", s["id"]) == s


def test_me(server, world):
    roles = {"admin": "admin", "manager": "manager", "agent": "agent",
             "vendor_a": "vendor_agent", "vendor_b": "vendor_agent", "viewer": "viewer"}
    for name, client in world["clients"].items():
        response = client.get(f"{API}/me")
        assert response.status_code == 200, response.text
        assert response.json()["role"] == roles[name]
    me = world["clients"]["vendor_a"].get(f"{API}/me").json()
    assert me["email"] == "va@alpha.example"
    assert me["vendor_id"] == world["vendor_a"]["id"]
    assert_problem(server.client().get(f"{API}/me"), 401)
    assert_problem(server.client("not-a-token").get(f"{API}/me"), 401)


def test_events(world, admin):
    events = all_events(admin)
    assert len(events) == event_count(admin)
    sequences = [e["sequence"] for e in events]
    assert sequences == sorted(set(sequences))
    created = {(e["entity"], e["entity_id"]) for e in events if e["action"] == "created"}
    assert ("case", world["case_a"]["id"]) in created
    assert ("interaction", world["call_a"]["id"]) in created
    vendor_event = next(e for e in events
                        if e["entity"] == "vendor" and e["entity_id"] == world["vendor_a"]["id"])
    assert vendor_event["change"]["name"] == "Alpha BPO"
    assert vendor_event["actor_id"] == admin.get(f"{API}/me").json()["id"]

    page = admin.get(f"{API}/events?after={sequences[2]}&limit=3").json()
    assert [e["sequence"] for e in page["items"]] == sequences[3:6]
    assert page["next_after"] == sequences[5]
    end = admin.get(f"{API}/events?after={sequences[-1]}").json()
    assert end["items"] == [] and end["next_after"] == sequences[-1]

    for query in ("limit=0", "limit=501", "after=abc", "after=-1", "colour=red"):
        assert_problem(admin.get(f"{API}/events?{query}"), 400, query.split("=")[0])
    assert world["clients"]["manager"].get(f"{API}/events").status_code == 200
    assert_problem(world["clients"]["viewer"].get(f"{API}/events"), 403)


def test_healthz_metrics_openapi(server, admin):
    client = server.client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok", "signals": "loaded"}
    create(admin, "vendors", {"name": "Metered"})

    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["Content-Type"].startswith("text/plain")
    for name in ("rapport_http_requests_total", "rapport_http_request_duration_seconds_bucket",
                 "rapport_store_write_batch_requests", "rapport_store_bytes",
                 "rapport_event_streams_open", 'rapport_projection_lag_events{projection="signals"}',
                 'rapport_projection_lag_events{projection="analytics"}'):
        assert name in metrics.text, name
    assert 'rapport_http_requests_total{route="POST /api/v1/vendors",status="201"} 1' \
        in metrics.text
    store_bytes = [line for line in metrics.text.splitlines()
                   if line.startswith("rapport_store_bytes ")]
    assert len(store_bytes) == 1 and int(store_bytes[0].split()[1]) > 0

    doc = client.get(f"{API}/openapi.json")
    assert doc.status_code == 200
    paths = doc.json()["paths"]
    expected = {"/healthz": {"get"}, "/metrics": {"get"}, f"{API}/openapi.json": {"get"},
                f"{API}/me": {"get"}, f"{API}/events": {"get"},
                f"{API}/interactions/batch": {"post"}, f"{API}/sla/at-risk": {"get"},
                f"{API}/sla/open-cases": {"get"}, f"{API}/stream": {"get"},
                f"{API}/reports/service-level": {"get"}, f"{API}/reports/scorecard": {"get"},
                f"{API}/reports/coverage": {"get"}, f"{API}/reports/staffing": {"get"},
                f"{API}/reports/deadlines": {"get"}, f"{API}/imports/csv": {"post"},
                f"{API}/accounts/{{id}}/signals": {"get"}, f"{API}/signals": {"get"},
                f"{API}/cases/{{id}}/signals": {"get"},
                f"{API}/accounts/{{id}}/timeline": {"get"}, f"{API}/people/{{id}}/timeline": {"get"},
                f"{API}/imports/ndjson": {"post"}, f"{API}/imports/queue-log": {"post"},
                f"{API}/escalations/{{id}}/progress-updates": {"post"},
                f"{API}/escalations/{{id}}/contacts": {"get"},
                f"{API}/escalations/{{id}}/classifications": {"post"},
                f"{API}/escalations/{{id}}/overview": {"get"},
                f"{API}/reports/review": {"get"}, f"{API}/reports/signals": {"get"},
                f"{API}/session": {"get", "post", "delete"}}
    for collection in list(COLLECTIONS) + ["calendars", "sla_policies", "agent_sessions",
                                           "escalations", "root_cause_categories",
                                           "mitigating_services", "trials"]:
        expected[f"{API}/{collection}"] = {"get", "post"}
        expected[f"{API}/{collection}/{{id}}"] = {"get", "patch"}
    assert {path: set(ops) for path, ops in paths.items()} == expected
    for schema in ("User", "Vendor", "Queue", "Account", "Person", "Agreement", "Case",
                   "Interaction", "Calendar", "SlaPolicy", "Escalation", "RootCauseCategory",
                   "MitigatingService", "Trial", "Problem"):
        assert schema in doc.json()["components"]["schemas"]


# ---- 2. pagination and filters --------------------------------------------------------

def test_pagination_visits_every_id_once_in_order(admin):
    created = [create(admin, "interactions", interaction(i))["id"] for i in range(25)]
    for limit, sizes in ((10, [10, 10, 5]), (5, [5, 5, 5, 5, 5]), (25, [25]), (500, [25])):
        seen, cursor, page_sizes = [], None, []
        while True:
            query = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            response = admin.get(f"{API}/interactions?{query}")
            assert response.status_code == 200, response.text
            page = response.json()
            page_sizes.append(len(page["items"]))
            seen += ids(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert isinstance(cursor, str)
        assert seen == created, limit
        assert page_sizes == sizes
    assert ids(admin.get(f"{API}/interactions").json()["items"]) == created  # default 50


def test_filters(world, admin):
    other_account = create(admin, "accounts", {"name": "Initech", "segment": "smb"})
    other_person = create(admin, "people", {"account_id": other_account["id"], "name": "Pat"})
    other_case = create(admin, "cases", {"account_id": other_account["id"], "subject": "Slow",
                                         "queue_id": world["queue_a"]["id"]})
    times = ["2025-06-01T09:00:00Z", "2025-06-01T10:00:00Z", "2025-06-01T11:00:00Z"]
    mine = [create(admin, "interactions", interaction(
        i, source="f", channel="phone", queue_id=world["queue_a"]["id"],
        person_id=other_person["id"], case_id=other_case["id"], arrived_at=at))
        for i, at in enumerate(times)]
    chat = create(admin, "interactions", interaction(
        9, source="f", channel="chat", queue_id=world["queue_house"]["id"],
        arrived_at="2025-06-02T09:00:00Z"))
    mine_ids = ids(mine)

    def listed(**filters):
        return ids(list_all(admin, "interactions", **filters))

    assert listed(account_id=other_account["id"]) == mine_ids
    assert listed(account_id=world["account"]["id"]) == [world["call_a"]["id"],
                                                          world["email_b"]["id"]]
    assert listed(case_id=other_case["id"]) == mine_ids
    assert listed(case_id=world["case_b"]["id"]) == [world["email_b"]["id"]]
    assert listed(channel="chat") == [chat["id"]]
    assert listed(channel="email") == [world["email_b"]["id"]]
    assert listed(vendor_id=world["vendor_a"]["id"]) == [world["call_a"]["id"]] + mine_ids
    assert listed(vendor_id=world["vendor_b"]["id"]) == [world["email_b"]["id"]]
    assert listed(queue_id=world["queue_house"]["id"]) == [chat["id"]]
    assert listed(person_id=other_person["id"]) == mine_ids
    assert listed(source="f", channel="phone") == mine_ids
    # from is inclusive, to exclusive, on arrived_at
    assert listed(**{"from": times[1], "to": times[2]}) == [mine_ids[1]]
    assert listed(**{"from": times[1]}) == mine_ids[1:] + [chat["id"]]
    assert listed(to=times[1]) == [world["call_a"]["id"], world["email_b"]["id"], mine_ids[0]]
    assert listed(**{"from": "2030-01-01T00:00:00Z"}) == []
    # filters combine with paging
    assert listed(limit=1, account_id=other_account["id"]) == mine_ids

    # cases by status
    opened = patch(admin, "cases", other_case, {"status": "open"})
    assert ids(list_all(admin, "cases", status="open")) == [opened["id"]]
    assert ids(list_all(admin, "cases", status="new")) == [world["case_a"]["id"],
                                                           world["case_b"]["id"]]
    assert list_all(admin, "cases", status="closed") == []
    assert ids(list_all(admin, "cases", account_id=other_account["id"])) == [other_case["id"]]
    assert ids(list_all(admin, "cases", vendor_id=world["vendor_a"]["id"])) == \
        [world["case_a"]["id"], other_case["id"]]
    # people by account, queues by channel
    assert ids(list_all(admin, "people", account_id=other_account["id"])) == [other_person["id"]]
    assert ids(list_all(admin, "queues", channel="email")) == [world["queue_b"]["id"]]


@pytest.mark.parametrize("query, field", [
    ("colour=red", "colour"),
    ("limit=0", "limit"),
    ("limit=501", "limit"),
    ("limit=abc", "limit"),
    ("limit=-5", "limit"),
    ("cursor=xyz", "cursor"),
    ("cursor=0", "cursor"),
    ("channel=fax", "channel"),
    ("account_id=abc", "account_id"),
    ("from=yesterday", "from"),
    ("to=2025-13-01T00:00:00Z", "to"),
    ("participants=x", "participants"),
])
def test_bad_list_query_is_400(world, admin, query, field):
    assert_problem(admin.get(f"{API}/interactions?{query}"), 400, field)


def test_bad_case_status_filter_is_400(world, admin):
    assert_problem(admin.get(f"{API}/cases?status=done"), 400, "status")
    assert_problem(admin.get(f"{API}/cases?colour=red"), 400, "colour")


@pytest.mark.parametrize("collection, query", [
    ("interactions", "account_id=99999"),
    ("interactions", "case_id=99999"),
    ("interactions", "queue_id=99999"),
    ("interactions", "vendor_id=99999"),
    ("cases", "account_id=99999"),
    ("people", "account_id=99999"),
])
def test_filter_on_missing_record_is_404(world, admin, collection, query):
    assert_problem(admin.get(f"{API}/{collection}?{query}"), 404)


# ---- 3. ETag / If-Match ---------------------------------------------------------------

def test_patch_without_if_match_is_428(world, admin):
    case = world["case_a"]
    with NothingWritten(admin, "cases"):
        assert_problem(admin.patch(f"{API}/cases/{case['id']}", {"subject": "x"}), 428)
    assert record_of(read(admin, "cases", case["id"])) == record_of(case)


def test_patch_with_stale_etag_is_412_and_changes_nothing(world, admin):
    case = world["case_a"]
    current = patch(admin, "cases", case, {"subject": "Line still down"})
    with NothingWritten(admin, "cases"):
        assert_problem(admin.patch(f"{API}/cases/{case['id']}", {"subject": "Lost update"},
                                   etag='"1"'), 412)
        assert_problem(admin.patch(f"{API}/cases/{case['id']}", {"subject": "Future"},
                                   etag='"3"'), 412)
    assert record_of(read(admin, "cases", case["id"])) == record_of(current)
    # and the current ETag still works
    assert patch(admin, "cases", current, {"subject": "Fixed"})["version"] == 3


@pytest.mark.parametrize("header", ["garbage", "1", '""', '"abc"', 'W/"1"', '"1', "", '"-1"'])
def test_patch_with_garbage_if_match_is_412(world, admin, header):
    vendor = world["vendor_a"]
    with NothingWritten(admin, "vendors"):
        assert_problem(admin.patch(f"{API}/vendors/{vendor['id']}", {"name": "Hijacked"},
                                   etag=header), 412)
    assert read(admin, "vendors", vendor["id"]) == vendor


# ---- 4. idempotent ingest -------------------------------------------------------------

def test_same_interaction_again_is_200_with_same_id_and_no_event(world, admin):
    body = interaction(1, source="pbx", queue_id=world["queue_a"]["id"],
                       person_id=world["person"]["id"], subject="Hello", tags=["a", "b"])
    first = admin.post(f"{API}/interactions", body)
    assert first.status_code == 201, first.text
    events = event_count(admin)
    for _ in range(2):
        again = admin.post(f"{API}/interactions", body)
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Location"] == first.headers["Location"]
    assert event_count(admin) == events
    assert ids(list_all(admin, "interactions", source="pbx", external_id="ext-1")) == \
        [first.json()["id"]]
    # in a batch too
    batch = admin.post(f"{API}/interactions/batch", {"items": [body]})
    assert batch.status_code == 200, batch.text
    assert batch.json()["items"] == [first.json()]
    assert event_count(admin) == events


def test_same_external_id_with_different_body_is_409(world, admin):
    stored = world["call_a"]
    body = {"source": "pbx", "external_id": "call-1", "channel": "phone", "direction": "inbound",
            "queue_id": world["queue_a"]["id"], "arrived_at": "2025-03-03T09:00:00Z",
            "outcome": "abandoned"}
    problem = rejected(admin, "interactions",
                       lambda: admin.post(f"{API}/interactions", body), 409, "external_id")
    assert problem["title"]
    assert read(admin, "interactions", stored["id"]) == stored


def test_same_external_id_under_another_source_is_new(world, admin):
    stored = world["call_a"]
    body = {"source": "other-pbx", "external_id": "call-1", "channel": "phone",
            "direction": "inbound", "arrived_at": "2025-03-03T09:00:00Z"}
    response = admin.post(f"{API}/interactions", body)
    assert response.status_code == 201, response.text
    assert response.json()["id"] != stored["id"]
    assert read(admin, "interactions", stored["id"]) == stored


# ---- 5. batches -----------------------------------------------------------------------

@pytest.mark.parametrize("bad, field", [
    ({"channel": "fax"}, "channel"),                                  # caught while parsing
    ({"colour": "red"}, "colour"),
    ({"answered_at": "2025-05-01T07:00:00Z"}, "answered_at"),         # caught by the rules
    ({"queue_id": 99999}, "queue_id"),
])
def test_batch_is_all_or_nothing(world, admin, bad, field):
    items = [interaction(i, source="batch") for i in range(3)]
    items[1].update(bad)
    problem = rejected(admin, "interactions",
                       lambda: admin.post(f"{API}/interactions/batch", {"items": items}),
                       422, f"items[1].{field}")
    assert all(e["field"].startswith("items[1]") for e in problem["errors"]), problem
    assert list_all(admin, "interactions", source="batch") == []
    # the good items were not stored: they are new when sent alone
    assert admin.post(f"{API}/interactions", items[0]).status_code == 201


def test_batch_names_every_bad_item(world, admin):
    items = [interaction(i, source="batch") for i in range(4)]
    items[1]["channel"] = 5
    items[3]["arrived_at"] = "yesterday"
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions/batch", {"items": items}),
             422, "items[1].channel", "items[3].arrived_at")


def test_batch_with_conflicting_external_id_is_409(world, admin):
    conflicting = {"source": "pbx", "external_id": "call-1", "channel": "phone",
                   "direction": "inbound", "arrived_at": "2025-03-03T09:00:00Z"}
    items = [interaction(0, source="batch"), conflicting, interaction(2, source="batch")]
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions/batch", {"items": items}),
             409, "items[1].external_id")
    assert read(admin, "interactions", world["call_a"]["id"]) == world["call_a"]


def test_batch_with_an_external_id_twice_differing_is_409(admin):
    items = [interaction(0, source="batch"), interaction(0, source="batch", outcome="abandoned")]
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions/batch", {"items": items}),
             409, "items[1].external_id")


def test_batch_over_1000_items_is_413(admin):
    items = [interaction(i, source="big") for i in range(1001)]
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions/batch", {"items": items}), 413)


def test_batch_of_1000_items_is_accepted(admin):
    items = [interaction(i, source="big") for i in range(1000)]
    response = admin.post(f"{API}/interactions/batch", {"items": items})
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 1000
    assert len(list_all(admin, "interactions", source="big")) == 1000


@pytest.mark.parametrize("raw, status, field", [
    ('{"items": [', 400, "body"),
    ('[]', 422, "items"),
    ('{}', 422, "items"),
    ('{"items": {}}', 422, "items"),
    ('{"items": [], "extra": 1}', 422, "items"),
])
def test_batch_bad_envelope(admin, raw, status, field):
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions/batch", raw=raw), status, field)


# ---- 6. bad input writes nothing ------------------------------------------------------

def test_malformed_json_is_400(world, admin):
    for raw in ('{"name": ', "not json", '{"name": "x"} trailing', ""):
        rejected(admin, "vendors", lambda: admin.post(f"{API}/vendors", raw=raw), 400, "body")
    vendor = world["vendor_a"]
    rejected(admin, "vendors",
             lambda: admin.patch(f"{API}/vendors/{vendor['id']}", raw="{", etag=etag_of(vendor)),
             400, "body")


def test_json_deeper_than_32_levels_is_400(admin):
    deep = '{"name": "Deep", "extra": ' + "[" * 40 + "]" * 40 + "}"
    rejected(admin, "vendors", lambda: admin.post(f"{API}/vendors", raw=deep), 400, "body")
    deep_object = '{"a":' * 40 + "1" + "}" * 40
    rejected(admin, "vendors", lambda: admin.post(f"{API}/vendors", raw=deep_object), 400,
             "body")
    # shallow nesting is parsed and judged on its fields instead
    shallow = '{"name": "Shallow", "extra": ' + "[" * 5 + "]" * 5 + "}"
    rejected(admin, "vendors", lambda: admin.post(f"{API}/vendors", raw=shallow), 422, "extra")


@pytest.mark.parametrize("collection, body, field", [
    ("vendors", {"name": 5}, "name"),
    ("vendors", {"name": None}, "name"),
    ("vendors", {"name": ["Alpha"]}, "name"),
    ("accounts", {"name": "X", "segment": "key", "annual_value_minor": "lots"},
     "annual_value_minor"),
    ("accounts", {"name": "X", "segment": "key", "annual_value_minor": 1.5},
     "annual_value_minor"),
    ("accounts", {"name": "X", "segment": "key", "priority": "extreme"}, "priority"),
    ("users", {"name": "X", "email": "x@example.com", "role": "agent", "is_agent": "yes"},
     "is_agent"),
    ("queues", {"name": "Q", "channel": "fax"}, "channel"),
    ("agreements", {"kind": "customer", "account_id": "1", "start_date": "2025-01-01",
                    "end_date": "2025-12-31"}, "account_id"),
    ("agreements", {"kind": "customer", "start_date": "2025-02-30", "end_date": "2025-12-31"},
     "start_date"),
])
def test_wrong_types_are_422(world, admin, collection, body, field):
    rejected(admin, collection, lambda: admin.post(f"{API}/{collection}", body), 422, field)


@pytest.mark.parametrize("collection, body, field", [
    ("vendors", {}, "name"),
    ("queues", {"name": "Q"}, "channel"),
    ("interactions", {"channel": "phone", "direction": "inbound"}, "arrived_at"),
    ("vendors", {"name": "   "}, "name"),
])
def test_missing_or_blank_required_fields_are_422(admin, collection, body, field):
    rejected(admin, collection, lambda: admin.post(f"{API}/{collection}", body), 422, field)


def test_body_not_an_object_is_422(admin):
    for raw in ("[]", '"vendor"', "5", "null"):
        rejected(admin, "vendors", lambda: admin.post(f"{API}/vendors", raw=raw), 422, "body")


def test_unknown_fields_are_422(world, admin):
    rejected(admin, "vendors",
             lambda: admin.post(f"{API}/vendors", {"name": "Gamma", "colour": "red"}),
             422, "colour")
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(
                 participants=[{"role": "from", "address": "a@b.c", "nickname": "A"}])),
             422, "participants[0].nickname")
    vendor = world["vendor_a"]
    rejected(admin, "vendors",
             lambda: admin.patch(f"{API}/vendors/{vendor['id']}", {"colour": "red"},
                                 etag=etag_of(vendor)), 422, "colour")
    assert read(admin, "vendors", vendor["id"]) == vendor


def test_read_only_fields_in_post_are_422(world, admin):
    for extra in ({"id": 5}, {"version": 3}, {"created_at": "2025-01-01T00:00:00Z"},
                  {"updated_at": "2025-01-01T00:00:00Z"},
                  {"vendor_id": world["vendor_a"]["id"]}):
        field = next(iter(extra))
        rejected(admin, "interactions",
                 lambda: admin.post(f"{API}/interactions", interaction(**extra)), 422, field)
    rejected(admin, "cases",
             lambda: admin.post(f"{API}/cases", {"account_id": world["account"]["id"],
                                                 "subject": "x",
                                                 "resolved_at": "2025-01-01T00:00:00Z"}),
             422, "resolved_at")


@pytest.mark.parametrize("collection, key, change", [
    ("interactions", "call_a", {"vendor_id": 2}),
    ("interactions", "call_a", {"id": 12345}),
    ("interactions", "call_a", {"version": 7}),
    ("interactions", "call_a", {"created_at": "2025-01-01T00:00:00Z"}),
    ("cases", "case_a", {"vendor_id": None}),
    ("cases", "case_a", {"resolved_at": "2025-01-01T00:00:00Z"}),
    ("cases", "case_a", {"closed_at": "2025-01-01T00:00:00Z"}),
    ("vendors", "vendor_a", {"id": 99}),
])
def test_read_only_fields_in_patch_are_422(world, admin, collection, key, change):
    record = world[key]
    rejected(admin, collection,
             lambda: admin.patch(f"{API}/{collection}/{record['id']}", change,
                                 etag=etag_of(record)),
             422, next(iter(change)))
    assert record_of(read(admin, collection, record["id"])) == record_of(record)


def test_wrong_type_in_patch_is_422(world, admin):
    record = world["account"]
    for change, field in (({"name": 5}, "name"), ({"name": None}, "name"),
                          ({"currency": "gbp"}, "currency"),
                          ({"time_zone": "Mars/Olympus"}, "time_zone")):
        rejected(admin, "accounts",
                 lambda: admin.patch(f"{API}/accounts/{record['id']}", change,
                                     etag=etag_of(record)), 422, field)
    rejected(admin, "accounts",
             lambda: admin.patch(f"{API}/accounts/{record['id']}", raw="[1]",
                                 etag=etag_of(record)), 422, "body")
    assert read(admin, "accounts", record["id"]) == record


def send_raw(server, method, path, headers, body, chunk=1 << 16):
    """Sends a request on a raw socket, tolerating the server closing early, and returns
    (status, headers, body) of the answer."""
    host, port = server.base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()) + \
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        try:
            sock.sendall(head.encode())
            for i in range(0, len(body), chunk):
                sock.sendall(body[i:i + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while True:
                part = sock.recv(65536)
                if not part:
                    break
                data += part
        except ConnectionResetError:
            pass
    assert data, "no answer from the server"
    head, _, payload = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    response_headers = {k.lower(): v.strip() for k, v in
                        (line.split(":", 1) for line in lines[1:])}
    return status, response_headers, payload


def assert_still_serving(server):
    """The server survived the last request: it still answers, and has not exited."""
    try:
        serving = server.client().get("/healthz").status_code == 200
    except requests.ConnectionError:
        serving = False
    time.sleep(0.3)  # a crash while tearing the connection down comes just after
    if not serving or server.process.poll() is not None:
        try:
            server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    if server.process.poll() is not None:
        raise AssertionError(f"the server died (exit {server.process.returncode}): "
                             f"{server.process.stderr.read()[-2000:]!r}")
    assert serving, "the server no longer answers /healthz"


def test_oversized_body_is_413(server, admin):
    body = json.dumps(interaction(source="huge", body="x" * (9 * 1024 * 1024))).encode()
    token = admin.session.headers["Authorization"]
    events = event_count(admin)
    status, headers, payload = send_raw(
        server, "POST", f"{API}/interactions",
        {"Authorization": token, "Content-Type": "application/json"}, body)
    assert status == 413, payload[:500]
    assert headers["content-type"].startswith(PROBLEM)
    assert json.loads(payload)["status"] == 413
    assert_still_serving(server)
    assert list_all(admin, "interactions", source="huge") == []
    assert event_count(admin) == events


def test_oversized_headers_are_413(server, admin):
    status, headers, _ = send_raw(server, "GET", "/healthz", {"X-Padding": "p" * 20_000}, b"")
    assert status == 413
    assert headers["content-type"].startswith(PROBLEM)
    assert_still_serving(server)


def test_malformed_http_request_is_400(server):
    host, port = server.base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/9.9\r\n\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert b"application/problem+json" in answer
    assert_still_serving(server)


@pytest.mark.parametrize("instant", ["2025-13-01T00:00:00Z", "yesterday", "2025-05-01T09:00:00",
                                     "2025-05-01 09:00:00Z", "2025-02-30T09:00:00Z",
                                     "2025-05-01T25:00:00Z", ""])
def test_invalid_instants_are_422(admin, instant):
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(arrived_at=instant)),
             422, "arrived_at")
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(answered_at=instant)),
             422, "answered_at")


def test_instant_with_offset_is_accepted(admin):
    created = create(admin, "interactions",
                     interaction(arrived_at="2025-05-01T10:00:00+02:00"))
    assert created["arrived_at"].startswith("2025-05-01T08:00:00")


def test_answered_before_arrived_is_422(admin):
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(
                 arrived_at="2025-05-01T09:00:00Z", answered_at="2025-05-01T08:59:59Z")),
             422, "answered_at")


def test_ended_before_answered_is_422(admin):
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(
                 arrived_at="2025-05-01T09:00:00Z", answered_at="2025-05-01T09:01:00Z",
                 ended_at="2025-05-01T09:00:30Z")),
             422, "ended_at")
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(
                 arrived_at="2025-05-01T09:00:00Z", ended_at="2025-05-01T08:00:00Z")),
             422, "ended_at")


def test_time_order_checked_on_patch(world, admin):
    record = world["call_a"]
    rejected(admin, "interactions",
             lambda: admin.patch(f"{API}/interactions/{record['id']}",
                                 {"answered_at": "2025-03-03T08:00:00Z"}, etag=etag_of(record)),
             422, "answered_at")
    assert read(admin, "interactions", record["id"]) == record


@pytest.mark.parametrize("channel, outcome", [("email", "abandoned"), ("email", "answered"),
                                              ("phone", "received"), ("chat", "sent")])
def test_outcome_not_of_the_channel_is_422(admin, channel, outcome):
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(channel=channel,
                                                                   outcome=outcome)),
             422, "outcome")


def test_unknown_foreign_ids_are_422(world, admin):
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(queue_id=99999)),
             422, "queue_id")
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(person_id=99999,
                                                                   case_id=99999)),
             422, "person_id", "case_id")
    rejected(admin, "people",
             lambda: admin.post(f"{API}/people", {"account_id": 99999, "name": "Nobody"}),
             422, "account_id")
    rejected(admin, "cases",
             lambda: admin.post(f"{API}/cases", {"account_id": world["account"]["id"],
                                                 "subject": "x", "assignee_id": 99999}),
             422, "assignee_id")
    rejected(admin, "agreements",
             lambda: admin.post(f"{API}/agreements", {
                 "kind": "vendor", "vendor_id": world["vendor_a"]["id"],
                 "start_date": "2025-01-01", "end_date": "2025-12-31",
                 "queue_ids": [world["queue_a"]["id"], 99999]}),
             422, "queue_ids[1]")
    person = world["person"]
    rejected(admin, "people",
             lambda: admin.patch(f"{API}/people/{person['id']}", {"account_id": 99999},
                                 etag=etag_of(person)), 422, "account_id")
    assert read(admin, "people", person["id"]) == person


def test_illegal_case_transitions_are_409_and_change_nothing(world, admin):
    case = world["case_a"]
    rejected(admin, "cases",
             lambda: admin.patch(f"{API}/cases/{case['id']}", {"status": "resolved"},
                                 etag=etag_of(case)), 409, "status")
    assert record_of(read(admin, "cases", case["id"])) == record_of(case)

    closed = case
    for status in ("open", "resolved", "closed"):
        closed = patch(admin, "cases", closed, {"status": status})
    for target in ("open", "resolved", "new"):
        rejected(admin, "cases",
                 lambda: admin.patch(f"{API}/cases/{case['id']}", {"status": target},
                                     etag=etag_of(closed)), 409, "status")
    assert record_of(read(admin, "cases", case["id"])) == record_of(closed)


def test_case_created_with_a_later_status_is_409(world, admin):
    rejected(admin, "cases",
             lambda: admin.post(f"{API}/cases", {"account_id": world["account"]["id"],
                                                 "subject": "x", "status": "closed"}),
             409, "status")


@pytest.mark.parametrize("body, field", [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"time_zone": "UTC+1"}, "time_zone"),
    ({"currency": "gbp"}, "currency"),
    ({"currency": "POUND"}, "currency"),
    ({"annual_value_minor": -1}, "annual_value_minor"),
    ({"owner_id": 99999}, "owner_id"),
])
def test_bad_account_fields_are_422(admin, body, field):
    full = dict({"name": "Initech", "segment": "key"}, **body)
    rejected(admin, "accounts", lambda: admin.post(f"{API}/accounts", full), 422, field)


def test_bad_agreements_are_422(world, admin):
    base = {"start_date": "2025-01-01", "end_date": "2025-12-31"}
    for body, field in (
            ({"kind": "vendor"}, "vendor_id"),
            ({"kind": "customer"}, "account_id"),
            ({"kind": "vendor", "vendor_id": world["vendor_a"]["id"],
              "account_id": world["account"]["id"]}, "account_id"),
            ({"kind": "customer", "account_id": world["account"]["id"], "currency": "eur"},
             "currency"),
            ({"kind": "customer", "account_id": world["account"]["id"],
              "end_date": "2024-12-31"}, "end_date"),
            ({"kind": "vendor", "vendor_id": world["vendor_a"]["id"],
              "targets": [{"metric": "service_level", "target_percent": 80}]},
             "targets[0].threshold_seconds")):
        rejected(admin, "agreements",
                 lambda: admin.post(f"{API}/agreements", dict(base, **body)), 422, field)


def test_bad_users_are_422_or_409(world, admin):
    rejected(admin, "users",
             lambda: admin.post(f"{API}/users", {"name": "V", "email": "v@x.example",
                                                 "role": "vendor_agent"}),
             422, "vendor_id")
    rejected(admin, "users",
             lambda: admin.post(f"{API}/users", {"name": "A", "email": "a@x.example",
                                                 "role": "agent",
                                                 "vendor_id": world["vendor_a"]["id"]}),
             422, "vendor_id")
    rejected(admin, "users",
             lambda: admin.post(f"{API}/users", {"name": "A", "email": "not-an-email",
                                                 "role": "agent"}),
             422, "email")


def test_duplicate_user_email_is_409(world, admin):
    rejected(admin, "users",
             lambda: admin.post(f"{API}/users", {"name": "Imposter",
                                                 "email": "manager@example.com",
                                                 "role": "admin"}),
             409, "email")


def test_duplicate_user_email_on_patch_is_409(world, admin):
    user = create(admin, "users", {"name": "Sam", "email": "sam@example.com", "role": "agent"})
    rejected(admin, "users",
             lambda: admin.patch(f"{API}/users/{user['id']}", {"email": "agent@example.com"},
                                 etag=etag_of(user)), 409, "email")
    assert read(admin, "users", user["id"]) == user


# ---- 7. the case status machine -------------------------------------------------------

def test_case_status_machine(world, admin):
    case = world["case_b"]
    assert case["status"] == "new"
    assert case["resolved_at"] is None and case["closed_at"] is None
    after = last_sequence(admin)
    steps = ["open", "pending_customer", "open", "resolved", "open", "resolved", "closed"]
    previous = case
    for status in steps:
        current = patch(admin, "cases", previous, {"status": status})
        assert current["status"] == status
        assert current["version"] == previous["version"] + 1
        if status == "resolved":
            assert current["resolved_at"] is not None
        elif previous["status"] == "resolved" and status == "open":
            assert current["resolved_at"] is None, "reopening clears resolved_at"
        if status == "closed":
            assert current["closed_at"] is not None
        else:
            assert current["closed_at"] is None
        assert record_of(read(admin, "cases", case["id"])) == record_of(current)
        previous = current

    events = [e for e in all_events(admin, after)
              if e["entity"] == "case" and e["entity_id"] == case["id"]]
    assert [e["action"] for e in events] == ["status_changed"] * len(steps)
    transitions = [(e["change"]["from"], e["change"]["to"]) for e in events]
    assert transitions == list(zip(["new"] + steps[:-1], steps))
    assert all(e["change"]["patch"] == {"status": e["change"]["to"]} for e in events)


def test_case_pending_internal_paths(world, admin):
    case = world["case_a"]
    for status in ("open", "pending_internal", "pending_customer", "pending_internal",
                   "resolved"):
        case = patch(admin, "cases", case, {"status": status})
    assert case["status"] == "resolved" and case["resolved_at"] is not None


def test_case_edit_without_status_change_is_updated_event(world, admin):
    case = world["case_a"]
    after = last_sequence(admin)
    patch(admin, "cases", case, {"subject": "New subject"})
    events = all_events(admin, after)
    assert [(e["entity"], e["action"]) for e in events] == [("case", "updated")]
    assert "from" not in events[0]["change"]


# ---- 8. derived fields ----------------------------------------------------------------

def test_interaction_vendor_follows_its_queue(world, admin):
    assert world["call_a"]["vendor_id"] == world["vendor_a"]["id"]
    assert world["email_b"]["vendor_id"] == world["vendor_b"]["id"]
    house = create(admin, "interactions", interaction(channel="chat",
                                                      queue_id=world["queue_house"]["id"]))
    assert house["vendor_id"] is None
    no_queue = create(admin, "interactions", interaction(1))
    assert no_queue["vendor_id"] is None

    # moving to a queue of another vendor moves the vendor
    queue_b_phone = create(admin, "queues", {"name": "Beta phone", "channel": "phone",
                                             "vendor_id": world["vendor_b"]["id"]})
    moved = patch(admin, "interactions", world["call_a"], {"queue_id": queue_b_phone["id"]})
    assert moved["vendor_id"] == world["vendor_b"]["id"]
    unqueued = patch(admin, "interactions", moved, {"queue_id": None})
    assert unqueued["vendor_id"] is None


def test_case_vendor_follows_its_queue(world, admin):
    assert world["case_a"]["vendor_id"] == world["vendor_a"]["id"]
    case = patch(admin, "cases", world["case_a"], {"queue_id": world["queue_b"]["id"]})
    assert case["vendor_id"] == world["vendor_b"]["id"]
    case = patch(admin, "cases", case, {"queue_id": world["queue_house"]["id"]})
    assert case["vendor_id"] is None


def test_queue_of_another_channel_is_422(world, admin):
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(
                 channel="phone", queue_id=world["queue_b"]["id"])),
             422, "queue_id")


def test_account_follows_person_or_case(world, admin):
    by_person = create(admin, "interactions", interaction(person_id=world["person"]["id"]))
    assert by_person["account_id"] == world["account"]["id"]
    by_case = create(admin, "interactions", interaction(1, case_id=world["case_a"]["id"]))
    assert by_case["account_id"] == world["account"]["id"]
    neither = create(admin, "interactions", interaction(2))
    assert neither["account_id"] is None


def test_person_or_case_of_another_account_is_422(world, admin):
    other = create(admin, "accounts", {"name": "Initech", "segment": "smb"})
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(
                 account_id=other["id"], person_id=world["person"]["id"])),
             422, "person_id")
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(
                 account_id=other["id"], case_id=world["case_a"]["id"])),
             422, "case_id")
    other_person = create(admin, "people", {"account_id": other["id"], "name": "Pat"})
    rejected(admin, "interactions",
             lambda: admin.post(f"{API}/interactions", interaction(
                 person_id=other_person["id"], case_id=world["case_a"]["id"])),
             422, "case_id")
    rejected(admin, "cases",
             lambda: admin.post(f"{API}/cases", {"account_id": other["id"], "subject": "x",
                                                 "requester_id": world["person"]["id"]}),
             422, "requester_id")
