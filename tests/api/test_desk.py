"""GET /api/v1/sla/open-cases, the desk's list: every open case the caller may see (not
only those due soon), soonest due first with the cases that have no clock running last,
each with its account's name, cursor-paged with the number of open cases in all."""
import pytest

from conftest import API, assert_problem, create, event_count, patch, read
from test_clocks import contact, open_case, policy_24x7

pytestmark = pytest.mark.usefixtures("close_connections")


@pytest.fixture
def account(admin):
    return create(admin, "accounts", {"name": "Initech", "segment": "standard",
                                      "time_zone": "UTC", "currency": "USD"})


def open_cases(client, query=""):
    response = client.get(f"{API}/sla/open-cases{query}")
    assert response.status_code == 200, response.text
    return response.json()


def every_page(client, limit):
    pages, cursor = [], None
    while True:
        page = open_cases(client, f"?limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


@pytest.fixture
def cases(admin, account):
    """Cases due in 10 minutes, 30 minutes, 2 hours and two weeks, one with no clock
    running (responded to, then waiting on the customer) and one resolved."""
    targets = {"urgent": 10, "high": 30, "normal": 120, "low": 20_160}
    for position, (priority, minutes) in enumerate(targets.items()):
        policy_24x7(admin, name=priority, position=position + 1, priorities=[priority], targets=[
            {"metric": "first_response", "minutes": minutes},
            {"metric": "resolution", "minutes": 100_000}])
    made = {p: open_case(admin, account, subject=p, priority=p) for p in targets}
    waiting = open_case(admin, account, subject="waiting", priority="urgent")
    create(admin, "interactions", contact(waiting, "outbound"))
    made["waiting"] = patch(admin, "cases", read(admin, "cases", waiting["id"]),
                            {"status": "pending_customer"})
    done = open_case(admin, account, subject="done", priority="urgent")
    patch(admin, "cases", done, {"status": "resolved"})
    return made


def test_every_open_case_soonest_due_first_then_those_with_no_clock_running(admin, cases):
    page = open_cases(admin)
    assert page["total"] == 5 and page["next_cursor"] is None
    assert [i["case"]["subject"] for i in page["items"]] == \
        ["urgent", "high", "normal", "low", "waiting"]
    dues = [i["clock"]["due_at"] for i in page["items"][:4]]
    assert dues == sorted(dues)
    assert all(i["clock"]["metric"] == "first_response" for i in page["items"][:4])
    # Two weeks away: not at risk within a week, but on the desk.
    at_risk = admin.get(f"{API}/sla/at-risk?within=10080").json()["items"]
    assert cases["low"]["id"] not in {i["case"]["id"] for i in at_risk}
    waiting = page["items"][4]
    assert waiting["clock"]["state"] in ("met", "paused")
    first = page["items"][0]["case"]
    assert first == {"id": cases["urgent"]["id"], "subject": "urgent",
                     "account_id": cases["urgent"]["account_id"], "account_name": "Initech",
                     "priority": "urgent", "status": "open", "queue_id": None,
                     "vendor_id": None, "assignee_id": None}


def test_pages_visit_each_open_case_once_in_order(admin, cases):
    whole = [i["case"]["id"] for i in open_cases(admin)["items"]]
    for limit in (1, 2, 3):
        pages = every_page(admin, limit)
        assert [i["case"]["id"] for p in pages for i in p["items"]] == whole, limit
        assert all(p["total"] == 5 for p in pages)
        assert all(len(p["items"]) == limit for p in pages[:-1])


def test_a_case_that_stops_or_opens_leaves_or_joins_the_list(admin, account, cases):
    patch(admin, "cases", read(admin, "cases", cases["high"]["id"]), {"status": "resolved"})
    page = open_cases(admin)
    assert page["total"] == 4
    assert cases["high"]["id"] not in {i["case"]["id"] for i in page["items"]}
    new = open_case(admin, account, subject="new", priority="urgent")
    page = open_cases(admin)
    assert page["total"] == 5
    assert [i["case"]["subject"] for i in page["items"]][:2] == ["urgent", "new"]
    assert page["items"][1]["case"]["id"] == new["id"]


def test_the_page_names_the_sequence_it_reflects_and_the_stream_resumes_from_it(
        admin, account, cases):
    from test_stream import Stream, about, data
    last = event_count(admin)  # the log is gap-free from 1: its length is its last sequence
    before = open_cases(admin)
    assert before["sequence"] >= last  # every write answered before the read is in it
    new = open_case(admin, account, subject="after the read", priority="urgent")
    after = open_cases(admin)
    assert after["sequence"] > before["sequence"]
    assert new["id"] in {i["case"]["id"] for i in after["items"]}
    # Resumed from the first read, the stream tells the case made since, and no reset.
    stream = Stream(admin.base, headers=dict(admin.session.headers),
                    query=f"?after={before['sequence']}")
    try:
        got = stream.events(about("case", new["id"]), resets=True)
        assert all(m.get("event") != "reset" for m in got)
        assert all(int(m["id"]) > before["sequence"] for m in got)
        assert data(got[-1])["action"] == "created"
    finally:
        stream.close()
    # Opened afresh, it starts with a reset naming where it starts: the desk read before
    # then may have missed nothing.
    fresh = Stream(admin.base, headers=dict(admin.session.headers))
    try:
        reset = fresh.events(lambda m: True, resets=True)[0]
        assert reset["event"] == "reset" and int(reset["id"]) >= after["sequence"]
    finally:
        fresh.close()


def test_renamed_account_shows_its_new_name(admin, account, cases):
    patch(admin, "accounts", read(admin, "accounts", account["id"]), {"name": "Initrode"})
    assert {i["case"]["account_name"] for i in open_cases(admin)["items"]} == {"Initrode"}


def test_vendor_agent_sees_its_own_vendors_open_cases_only(world):
    clients = world["clients"]
    for name, want in (("vendor_a", [world["case_a"]["id"]]), ("vendor_b", [world["case_b"]["id"]])):
        page = open_cases(clients[name])
        assert [i["case"]["id"] for i in page["items"]] == want, name
        assert page["total"] == 1, name
    for name in ("agent", "viewer", "manager"):
        page = open_cases(clients[name])
        assert {i["case"]["id"] for i in page["items"]} == \
            {world["case_a"]["id"], world["case_b"]["id"]}, name
        assert page["total"] == 2


@pytest.mark.parametrize("query, field", [
    ("?limit=0", "limit"),
    ("?limit=501", "limit"),
    ("?limit=x", "limit"),
    ("?cursor=abc", "cursor"),
    ("?cursor=12:x", "cursor"),
    ("?cursor=-:0", "cursor"),
    ("?cursor=x:3", "cursor"),
    ("?cursor=:3", "cursor"),
    ("?within=10", "within"),
])
def test_bad_parameter_is_400_naming_it(admin, query, field):
    assert_problem(admin.get(f"{API}/sla/open-cases{query}"), 400, field)
