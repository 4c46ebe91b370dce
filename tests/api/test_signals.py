"""The live signals: GET /api/v1/signals, /accounts/{id}/signals, /cases/{id}/signals, kept
current from the change feed and a periodic job (rules: docs/signals.md)."""
from datetime import datetime, timedelta, timezone

import pytest

from conftest import API, create

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
