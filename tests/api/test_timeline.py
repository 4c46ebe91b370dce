"""The customer 360: GET /api/v1/accounts/{id}/timeline and /api/v1/people/{id}/timeline —
every interaction merged with the events of the account's records, newest first, cursor-
paged, under a header; vendor agents see summaries, their own vendor's cases only and no
money (app/timeline.hpp)."""
from datetime import datetime
from urllib.parse import urlencode

import pytest

from conftest import API, assert_problem, create, patch, read

pytestmark = pytest.mark.usefixtures("close_connections")


def timeline(client, path, **params):
    response = client.get(f"{API}/{path}/timeline" + (f"?{urlencode(params)}" if params else ""))
    assert response.status_code == 200, response.text
    return response.json()


def walk(client, path, limit, **params):
    """Every item of a timeline, following next_cursor; and the number of pages."""
    items, cursor, pages = [], None, 0
    while True:
        query = dict(params, limit=limit)
        if cursor:
            query["cursor"] = cursor
        page = timeline(client, path, **query)
        pages += 1
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages
        assert pages < 1000


def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def key(item):
    """An item's identity: (entity, entity_id, sequence)."""
    return item["entity"], item["entity_id"], item.get("sequence")


def assert_newest_first(items):
    ats = [instant(i["at"]) for i in items]
    assert ats == sorted(ats, reverse=True), [i["at"] for i in items]


def contact(admin, account_id, channel, arrived_at, **extra):
    outcome = {"phone": "answered", "chat": "answered", "email": "received"}[channel]
    body = {"channel": channel, "direction": "inbound", "account_id": account_id,
            "arrived_at": arrived_at, "outcome": outcome}
    body.update(extra)
    return create(admin, "interactions", body)


def test_interactions_of_every_channel_merge_with_case_events_newest_first(world):
    admin = world["clients"]["admin"]
    account = create(admin, "accounts", {"name": "Merge Co", "segment": "standard"})
    case = create(admin, "cases", {"account_id": account["id"], "subject": "Router broken"})
    call = contact(admin, account["id"], "phone", "2025-05-01T09:00:00Z", case_id=case["id"],
                   answered_at="2025-05-01T09:00:10Z", ended_at="2025-05-01T09:04:10Z",
                   subject="Router broken")
    email = contact(admin, account["id"], "email", "2025-05-02T09:00:00Z", case_id=case["id"],
                    subject="Re: Router")
    chat = contact(admin, account["id"], "chat", "2025-04-30T09:00:00Z")
    case = patch(admin, "cases", read(admin, "cases", case["id"]), {"status": "open"})
    # An edit of an interaction is no new item: the interactions are their rows.
    patch(admin, "interactions", email, {"category": "hardware"})

    page = timeline(admin, f"accounts/{account['id']}")
    items = page["items"]
    assert_newest_first(items)
    assert page["next_cursor"] is None
    # The events (made now) before the contacts (dated in 2025), newest first.
    assert [(i["entity"], i.get("action")) for i in items] == [
        ("case", "status_changed"), ("case", "created"), ("account", "created"),
        ("interaction", None), ("interaction", None), ("interaction", None)]
    assert [i["entity_id"] for i in items[3:]] == [email["id"], call["id"], chat["id"]]
    assert [i["channel"] for i in items[3:]] == ["email", "phone", "chat"]

    status = items[0]
    assert status["kind"] == "case" and status["entity_id"] == case["id"]
    assert status["summary"] == f'Case #{case["id"]} "Router broken": new → open'
    assert status["change"]["to"] == "open"
    assert status["actor_id"] == admin.get(f"{API}/me").json()["id"]
    assert isinstance(status["sequence"], int)

    phone = items[4]
    assert phone["kind"] == "interaction" and phone["direction"] == "inbound"
    assert phone["outcome"] == "answered" and phone["case_id"] == case["id"]
    assert phone["summary"] == "Inbound call, answered (4m 0s): Router broken"
    assert phone["visibility"] == "full" and phone["interaction_kind"] == "contact"
    assert items[3]["category"] == "hardware"


def test_paging_walks_every_item_once_even_at_equal_instants(world):
    admin = world["clients"]["admin"]
    account = create(admin, "accounts", {"name": "Ties Co", "segment": "standard"})
    made = set()
    for n in range(7):  # seven contacts at one instant, across channels
        channel = ("phone", "email", "chat")[n % 3]
        made.add(contact(admin, account["id"], channel, "2025-06-01T12:00:00Z")["id"])
    for n in range(5):
        made.add(contact(admin, account["id"], "email", f"2025-06-0{n + 2}T08:00:00Z")["id"])
    for n in range(4):
        create(admin, "cases", {"account_id": account["id"], "subject": f"Case {n}"})

    whole = timeline(admin, f"accounts/{account['id']}", limit=200)
    assert whole["next_cursor"] is None
    assert len(whole["items"]) == 12 + 4 + 1  # contacts, cases, the account
    assert {i["entity_id"] for i in whole["items"] if i["kind"] == "interaction"} == made
    for limit in (1, 2, 3, 5, 16, 17):
        items, pages = walk(admin, f"accounts/{account['id']}", limit)
        assert [key(i) for i in items] == [key(i) for i in whole["items"]], limit
        assert len(set(key(i) for i in items)) == len(items)
        assert pages == -(-17 // limit)
    # At one instant: the higher id first.
    tied = [i["entity_id"] for i in whole["items"] if i["at"].startswith("2025-06-01T12:00:00")]
    assert tied == sorted(tied, reverse=True) and len(tied) == 7


def test_header_at_a_glance(world):
    admin = world["clients"]["admin"]
    owner = create(admin, "users", {"name": "Olive Owner", "email": "olive@example.com",
                                    "role": "manager"})
    account = create(admin, "accounts", {
        "name": "Header Co", "segment": "strategic", "priority": "high",
        "customer_since": "2019-04-01", "owner_id": owner["id"], "time_zone": "Europe/Paris",
        "annual_value_minor": 5_000_000, "currency": "EUR"})
    open_case = create(admin, "cases", {"account_id": account["id"], "subject": "Open one"})
    done = create(admin, "cases", {"account_id": account["id"], "subject": "Done one"})
    done = patch(admin, "cases", read(admin, "cases", done["id"]), {"status": "open"})
    patch(admin, "cases", read(admin, "cases", done["id"]), {"status": "resolved"})
    contact(admin, account["id"], "phone", "2025-02-01T10:00:00Z")
    contact(admin, account["id"], "email", "2025-02-03T10:00:00Z", case_id=open_case["id"])
    create(admin, "interactions", {"channel": "phone", "direction": "outbound", "kind": "note",
                                   "account_id": account["id"],
                                   "arrived_at": "2025-02-05T10:00:00Z"})

    header = timeline(admin, f"accounts/{account['id']}")["header"]
    assert header == {
        "account_id": account["id"], "name": "Header Co", "segment": "strategic",
        "priority": "high", "customer_since": "2019-04-01", "time_zone": "Europe/Paris",
        "annual_value_minor": 5_000_000, "currency": "EUR",
        "owner": {"id": owner["id"], "name": "Olive Owner"}, "open_cases": 1,
        # The newest contact, not the newer note.
        "last_contact_at": "2025-02-03T10:00:00.000Z",
        "active_escalation": None, "signals": [], "signals_loaded": True}
    # Every page carries it.
    second = timeline(admin, f"accounts/{account['id']}", limit=2)
    assert timeline(admin, f"accounts/{account['id']}", limit=2,
                    cursor=second["next_cursor"])["header"] == header

    empty = create(admin, "accounts", {"name": "Quiet Co", "segment": "smb"})
    quiet = timeline(admin, f"accounts/{empty['id']}")
    assert quiet["header"]["last_contact_at"] is None and quiet["header"]["owner"] is None
    assert quiet["header"]["open_cases"] == 0
    assert [i["summary"] for i in quiet["items"]] == ["Account created: Quiet Co"]


def test_vendor_agent_sees_summaries_its_own_cases_and_no_money(world):
    admin, va = world["clients"]["admin"], world["clients"]["vendor_a"]
    account_id = world["account"]["id"]
    patch(admin, "accounts", read(admin, "accounts", account_id), {"annual_value_minor": 13_000_000})
    case_b = world["case_b"]
    patch(admin, "cases", read(admin, "cases", case_b["id"]), {"status": "open"})

    everything = timeline(admin, f"accounts/{account_id}")["items"]
    assert {("case", world["case_b"]["id"])} <= {(i["entity"], i["entity_id"]) for i in everything}
    assert any(i["entity"] == "agreement" for i in everything)

    page = timeline(va, f"accounts/{account_id}")
    items = page["items"]
    # Every interaction, the other vendor's as a summary.
    by_id = {i["entity_id"]: i for i in items if i["kind"] == "interaction"}
    assert set(by_id) == {world["call_a"]["id"], world["email_b"]["id"]}
    mine, theirs = by_id[world["call_a"]["id"]], by_id[world["email_b"]["id"]]
    assert mine["visibility"] == "full" and mine["body"] == "Customer says the line is dead"
    assert theirs["visibility"] == "summary"
    for hidden in ("body", "participants", "tags"):
        assert hidden not in theirs
    assert theirs["actor_id"] is None
    assert (theirs["channel"], theirs["direction"], theirs["outcome"], theirs["subject"],
            theirs["queue_id"], theirs["case_id"]) == (
        "email", "inbound", "received", "Invoice", world["queue_b"]["id"], world["case_b"]["id"])
    # The other vendor's case and the customer agreement do not exist for it.
    events = [i for i in items if i["kind"] != "interaction"]
    assert {(i["entity"], i["entity_id"]) for i in events if i["entity"] == "case"} == {
        ("case", world["case_a"]["id"])}
    assert not [i for i in events if i["entity"] == "agreement"]
    assert "Invoice wrong" not in repr(page)
    # No money, in the header or in the account's events.
    assert "annual_value_minor" not in page["header"] and "currency" not in page["header"]
    account_events = [i for i in events if i["entity"] == "account"]
    assert {i["action"] for i in account_events} == {"created", "updated"}
    for event in account_events:
        assert "annual_value_minor" not in repr(event["change"]), event
        assert event["actor_id"] is None
    assert page["header"]["open_cases"] == 1  # case_a only
    assert timeline(admin, f"accounts/{account_id}")["header"]["open_cases"] == 2

    # Paging never shows what it may not see either.
    walked, _ = walk(va, f"accounts/{account_id}", 1)
    assert [key(i) for i in walked] == [key(i) for i in items]
    # Vendor B sees the mirror image.
    vb_cases = {i["entity_id"] for i in timeline(world["clients"]["vendor_b"],
                                                  f"accounts/{account_id}")["items"]
                if i["entity"] == "case"}
    assert vb_cases == {world["case_b"]["id"]}


@pytest.mark.parametrize("role", ["viewer", "agent", "manager"])
def test_in_house_roles_read_everything(world, role):
    client = world["clients"][role]
    page = timeline(client, f"accounts/{world['account']['id']}")
    assert page["header"]["annual_value_minor"] == 12_000_000
    assert {world["case_a"]["id"], world["case_b"]["id"]} <= {
        i["entity_id"] for i in page["items"] if i["entity"] == "case"}
    email = [i for i in page["items"] if i["entity_id"] == world["email_b"]["id"]
             and i["kind"] == "interaction"][0]
    assert email["body"] == "Secret invoice details" and email["visibility"] == "full"


def test_person_timeline_is_the_persons_contacts_and_requested_cases(world):
    admin = world["clients"]["admin"]
    person = world["person"]
    other = create(admin, "people", {"account_id": world["account"]["id"], "name": "Bo Other"})
    contact(admin, world["account"]["id"], "phone", "2025-03-06T09:00:00Z", person_id=other["id"])
    patch(admin, "people", read(admin, "people", person["id"]), {"phones": ["+44 20 7946 0000"]})

    page = timeline(admin, f"people/{person['id']}")
    keys = {(i["entity"], i["entity_id"]) for i in page["items"]}
    assert keys == {("interaction", world["call_a"]["id"]), ("case", world["case_a"]["id"]),
                    ("person", person["id"])}
    assert [i["action"] for i in page["items"] if i["entity"] == "person"] == ["updated", "created"]
    assert page["header"]["account_id"] == world["account"]["id"]
    assert page["header"]["name"] == "Globex"
    assert page["header"]["person"]["name"] == "Ann Lee"
    assert_newest_first(page["items"])

    # A vendor agent of the other vendor: the contact as a summary, not the case.
    vb = timeline(world["clients"]["vendor_b"], f"people/{person['id']}")
    assert {(i["entity"], i["entity_id"]) for i in vb["items"]} == {
        ("interaction", world["call_a"]["id"]), ("person", person["id"])}
    assert [i["visibility"] for i in vb["items"] if i["kind"] == "interaction"] == ["summary"]


def test_kinds_filter(world):
    admin = world["clients"]["admin"]
    path = f"accounts/{world['account']['id']}"
    only_cases = timeline(admin, path, kinds="case")["items"]
    assert only_cases and {i["kind"] for i in only_cases} == {"case"}
    contacts = timeline(admin, path, kinds="interaction")["items"]
    assert {i["entity_id"] for i in contacts} == {world["call_a"]["id"], world["email_b"]["id"]}
    both = timeline(admin, path, kinds="interaction,agreement")["items"]
    assert {i["kind"] for i in both} == {"interaction", "agreement"}
    assert timeline(admin, path, kinds="escalation")["items"] == []
    items, _ = walk(admin, path, 1, kinds="case,interaction")
    assert [key(i) for i in items] == [
        key(i) for i in timeline(admin, path, kinds="case,interaction", limit=200)["items"]]


def test_missing_or_hidden_is_404_like_a_missing_record(world):
    admin, va = world["clients"]["admin"], world["clients"]["vendor_a"]
    for client in (admin, va):
        for collection in ("accounts", "people"):
            missing = client.get(f"{API}/{collection}/999999/timeline")
            plain = client.get(f"{API}/{collection}/999999")
            assert missing.status_code == plain.status_code == 404
            assert missing.json() == plain.json()
            assert client.get(f"{API}/{collection}/abc/timeline").status_code == 404


def test_bad_parameters_are_400_naming_them(world):
    admin = world["clients"]["admin"]
    path = f"{API}/accounts/{world['account']['id']}/timeline"
    assert_problem(admin.get(f"{path}?limit=201"), 400, "limit", "1 to 200")
    assert_problem(admin.get(f"{path}?limit=0"), 400, "limit")
    assert_problem(admin.get(f"{path}?limit=ten"), 400, "limit")
    assert_problem(admin.get(f"{path}?cursor=garbage"), 400, "cursor")
    assert_problem(admin.get(f"{path}?kinds=Case"), 400, "kinds")
    assert_problem(admin.get(f"{path}?colour=red"), 400, "colour", "not a parameter")
    assert_problem(admin.get(f"{path}?limit=5&limit=6"), 400, "limit", "more than once")
    problem = admin.get(f"{path}?limit=900&cursor=x&since=today").json()
    assert {e["field"] for e in problem["errors"]} == {"limit", "cursor", "since"}
    assert admin.get(f"{path}?limit=200").status_code == 200


def test_server_timing_header(world):
    response = world["clients"]["admin"].get(f"{API}/accounts/{world['account']['id']}/timeline")
    assert response.status_code == 200
    name, _, duration = response.headers["Server-Timing"].partition(";dur=")
    assert name == "app" and float(duration) >= 0
