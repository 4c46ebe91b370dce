"""The live signals: GET /api/v1/signals, /accounts/{id}/signals, /cases/{id}/signals, kept
current from the change feed and a periodic job (rules: docs/signals.md)."""
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import API, Server, assert_problem, create

pytestmark = pytest.mark.usefixtures("close_connections")


def ago(minutes):
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def signals_of(client, account_id):
    response = client.get(f"{API}/accounts/{account_id}/signals")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_email_back_and_forth_fires_and_a_call_clears_it(world):
    admin = world["clients"]["admin"]
    account = create(admin, "accounts", {"name": "Signal Co", "segment": "standard"})
    case = create(admin, "cases", {"account_id": account["id"], "subject": "Refund",
                                   "category": "billing"})
    emails = [create(admin, "interactions", {"channel": "email", "direction": "inbound",
                                             "case_id": case["id"], "arrived_at": ago(m),
                                             "category": "billing"})
              for m in (90, 30)]
    found = [s for s in signals_of(admin, account["id"]) if s["rule"] == "email_back_and_forth"]
    assert len(found) == 1
    signal = found[0]
    assert signal["case_id"] == case["id"]
    assert signal["evidence"] == sorted(e["id"] for e in emails)
    assert "Call the customer" in signal["action"]
    # The emails are dated before the case was opened: the case exists, and the signal is
    # true, from the case's creation on.
    assert signal["first_seen"] == case["created_at"]

    # A call on the case is what the signal asks for: it clears.
    create(admin, "interactions", {"channel": "phone", "direction": "outbound",
                                   "case_id": case["id"], "arrived_at": ago(5)})
    assert not [s for s in signals_of(admin, account["id"]) if s["rule"] == "email_back_and_forth"]


def test_one_inbound_email_is_no_signal(world):
    admin = world["clients"]["admin"]
    account = create(admin, "accounts", {"name": "Quiet Co", "segment": "standard"})
    case = create(admin, "cases", {"account_id": account["id"], "subject": "Question"})
    create(admin, "interactions", {"channel": "email", "direction": "inbound",
                                   "case_id": case["id"], "arrived_at": ago(10)})
    assert signals_of(admin, account["id"]) == []


def test_unknown_account_is_404(world):
    admin = world["clients"]["admin"]
    assert admin.get(f"{API}/accounts/999999/signals").status_code == 404
    assert admin.get(f"{API}/accounts/abc/signals").status_code == 404


def test_vendor_agent_sees_only_its_vendors_cases_signals(world):
    admin = world["clients"]["admin"]
    account = create(admin, "accounts", {"name": "Two Vendors Co", "segment": "standard"})
    for queue in ("queue_a", "queue_b"):
        case = create(admin, "cases", {"account_id": account["id"], "subject": f"On {queue}",
                                       "queue_id": world[queue]["id"]})
        for m in (60, 20):
            create(admin, "interactions", {"channel": "email", "direction": "inbound",
                                           "case_id": case["id"], "arrived_at": ago(m)})
    everything = [s for s in signals_of(admin, account["id"]) if s["rule"] == "email_back_and_forth"]
    assert len(everything) == 2
    agent = world["clients"]["vendor_a"]
    mine = [s for s in signals_of(agent, account["id"]) if s["rule"] == "email_back_and_forth"]
    assert len(mine) == 1


def test_lists_per_account_per_case_and_globally(world):
    """The world's decision maker is on both of Globex's cases: one signal per case, listed
    per account, per case and in the global list; a vendor agent sees its own vendor's."""
    admin = world["clients"]["admin"]
    account_id = world["account"]["id"]
    case_a, case_b = world["case_a"]["id"], world["case_b"]["id"]
    per_account = [s for s in signals_of(admin, account_id) if s["rule"] == "decision_maker_involved"]
    assert sorted(s["case_id"] for s in per_account) == [case_a, case_b]
    by_case = {s["case_id"]: s for s in per_account}
    assert by_case[case_a]["evidence"] == [world["call_a"]["id"]]
    assert by_case[case_b]["evidence"] == [world["email_b"]["id"]]  # by the sender's address

    response = admin.get(f"{API}/cases/{case_a}/signals")
    assert response.status_code == 200, response.text
    assert [s["case_id"] for s in response.json()["items"]] == [case_a]

    everywhere = admin.get(f"{API}/signals?rule=decision_maker_involved").json()["items"]
    assert {s["case_id"] for s in everywhere if s["account_id"] == account_id} == {case_a, case_b}
    only = admin.get(f"{API}/signals?account_id={account_id}&case_id={case_b}").json()["items"]
    assert [s["case_id"] for s in only] == [case_b]

    vendor_a = world["clients"]["vendor_a"]
    seen = vendor_a.get(f"{API}/signals?rule=decision_maker_involved").json()["items"]
    assert [s["case_id"] for s in seen] == [case_a]
    hidden = vendor_a.get(f"{API}/cases/{case_b}/signals")
    missing = admin.get(f"{API}/cases/999999/signals")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(str(case_b), "N") == missing.json()["detail"].replace("999999", "N")


def test_severity_filter_and_paging_walk_every_signal_once(world):
    admin = world["clients"]["admin"]
    everything = admin.get(f"{API}/signals?limit=500").json()["items"]
    assert everything, "the world has signals"
    walked, cursor = [], None
    while True:
        query = f"{API}/signals?limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = admin.get(query).json()
        walked += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert walked == everything
    high = admin.get(f"{API}/signals?severity=high").json()["items"]
    assert all(s["severity"] == "high" for s in high)
    assert len(high) == len([s for s in everything if s["severity"] == "high"])


def test_bad_parameters_are_named(world):
    admin = world["clients"]["admin"]
    response = admin.get(f"{API}/signals?rule=nope&severity=dire&limit=0&cursor=zz&colour=red")
    assert response.status_code == 400, response.text
    named = {e["field"] for e in response.json()["errors"]}
    assert named == {"rule", "severity", "limit", "cursor", "colour"}
    # account_id and case_id are the global list's filters, not the account route's.
    assert_problem(admin.get(f"{API}/accounts/{world['account']['id']}/signals?case_id=1"),
                   400, "case_id")
    assert admin.get(f"{API}/signals?account_id=999999").status_code == 404


def test_raised_and_cleared_signals_are_recorded_on_the_timeline(world):
    admin = world["clients"]["admin"]
    account = create(admin, "accounts", {"name": "Recorded Co", "segment": "standard"})
    case = create(admin, "cases", {"account_id": account["id"], "subject": "Refund"})
    for m in (60, 20):
        create(admin, "interactions", {"channel": "email", "direction": "inbound",
                                       "case_id": case["id"], "arrived_at": ago(m)})
    header = admin.get(f"{API}/accounts/{account['id']}/timeline").json()["header"]
    assert [s["rule"] for s in header["signals"]] == ["email_back_and_forth"]
    create(admin, "interactions", {"channel": "phone", "direction": "outbound",
                                   "case_id": case["id"], "arrived_at": ago(1)})
    assert signals_of(admin, account["id"]) == []

    def recorded():
        page = admin.get(f"{API}/accounts/{account['id']}/timeline?kinds=signal").json()
        return [(i["action"], i["change"]["rule"]) for i in page["items"]]
    deadline = time.time() + 20  # the recorder writes in the background
    while len(recorded()) < 2 and time.time() < deadline:
        time.sleep(0.1)
    assert recorded() == [("signal_cleared", "email_back_and_forth"),
                          ("signal_raised", "email_back_and_forth")]


def test_time_alone_clears_a_signal(tmp_path):
    """Three contacts within seven days, the oldest about to leave the window: the periodic
    job clears the signal with no write at all."""
    server = Server(str(tmp_path), ["--signals-every", "1"]).start()
    try:
        admin = server.client(server.token("admin@example.com", "admin"))
        account = create(admin, "accounts", {"name": "Fading Co", "segment": "standard"})
        case = create(admin, "cases", {"account_id": account["id"], "subject": "Slow"})
        week = timedelta(days=7)
        for seconds in (4, 60, 120):
            at = datetime.now(timezone.utc) - week + timedelta(seconds=seconds)
            create(admin, "interactions", {"channel": "chat", "direction": "inbound",
                                           "case_id": case["id"],
                                           "arrived_at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"})
        assert [s["rule"] for s in signals_of(admin, account["id"])] == ["repeat_contact"]
        deadline = time.time() + 30
        while signals_of(admin, account["id"]) and time.time() < deadline:
            time.sleep(0.2)
        assert signals_of(admin, account["id"]) == []
        admin.session.close()
    finally:
        server.stop()


def test_signals_command_lists_a_data_directory(world, server):
    result = server.cli("signals", "--rule", "decision_maker_involved", "--format", "csv")
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("account,rule,severity,case")
    assert len(lines) == 3  # the header and Globex's two cases
    bad = server.cli("signals", "--rule", "nope", check=False)
    assert bad.returncode == 1
    assert "--rule" in bad.stderr


def test_thresholds_come_from_a_configuration_file(tmp_path):
    config = tmp_path / "signals.json"
    config.write_text('{"email_min_inbound": 1}')
    server = Server(str(tmp_path / "data"), ["--signals-config", str(config)]).start()
    try:
        admin = server.client(server.token("admin@example.com", "admin"))
        account = create(admin, "accounts", {"name": "Eager Co", "segment": "standard"})
        case = create(admin, "cases", {"account_id": account["id"], "subject": "One email"})
        create(admin, "interactions", {"channel": "email", "direction": "inbound",
                                       "case_id": case["id"], "arrived_at": ago(5)})
        assert [s["rule"] for s in signals_of(admin, account["id"])] == ["email_back_and_forth"]
        admin.session.close()
    finally:
        server.stop()
    config.write_text('{"email_min_inbound": 0, "colour": "red"}')
    refused = Server(str(tmp_path / "data"), ["--signals-config", str(config)]).cli(
        "serve", "--port", "0", "--signals-config", str(config), check=False)
    assert refused.returncode == 1
    assert "email_min_inbound" in refused.stderr and "colour" in refused.stderr
