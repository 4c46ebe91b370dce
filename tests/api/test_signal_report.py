"""Signals over time: GET /api/v1/reports/signals and `rapport report signals`, counted from
the history the server records in `signals` (docs/signals.md, "Signals over time")."""
import json
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import API, RAPPORT_BIN, assert_problem, create

pytestmark = pytest.mark.usefixtures("close_connections")


def ago(minutes):
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(offset):
    return (datetime.now(timezone.utc) + timedelta(days=offset)).strftime("%Y-%m-%d")


# Yesterday and today by day (UTC), up to tomorrow's midnight: every signal the tests make.
RANGE = f"from={day(-1)}&to={day(1)}&period=day"


def signal_report(client, query=RANGE):
    response = client.get(f"{API}/reports/signals?{query}")
    assert response.status_code == 200, response.text
    return response.json()


def by_rule(part):
    """{rule: (raised, cleared, live_at_end)} of a period or the total, zeros left out."""
    return {r["rule"]: (r["raised"], r["cleared"], r["live_at_end"]) for r in part["by_rule"]
            if r["raised"] or r["cleared"] or r["live_at_end"]}


@pytest.fixture
def history(world):
    """The world's decision maker is on both Globex cases (one signal each, vendors A and B).
    Here: an email back-and-forth on a case of vendor B, raised and then cleared by a call,
    and a policy quoted on no case. Waits until the recorder has written all of it."""
    admin = world["clients"]["admin"]
    account = create(admin, "accounts", {"name": "Report Co", "segment": "standard"})
    case = create(admin, "cases", {"account_id": account["id"], "subject": "Refund",
                                   "queue_id": world["queue_b"]["id"]})
    for m in (60, 20):
        create(admin, "interactions", {"channel": "email", "direction": "inbound",
                                       "queue_id": world["queue_b"]["id"], "case_id": case["id"],
                                       "arrived_at": ago(m)})
    create(admin, "interactions", {"channel": "phone", "direction": "outbound",
                                   "case_id": case["id"], "arrived_at": ago(5)})
    create(admin, "interactions", {"channel": "email", "direction": "outbound",
                                   "account_id": account["id"], "arrived_at": ago(3),
                                   "body": "I am afraid our policy does not allow refunds."})
    deadline = time.time() + 20  # the recorder writes in the background
    while time.time() < deadline:
        total = signal_report(admin)["total"]
        if total["raised"] == 4 and total["cleared"] == 1:
            break
        time.sleep(0.1)
    return world


def test_raised_cleared_and_live_by_rule_and_severity(history):
    admin = history["clients"]["admin"]
    answer = signal_report(admin)
    assert answer["report"] == "signals"
    assert answer["parameters"]["period"] == "day"
    assert answer["parameters"]["time_zone"] == "UTC"
    assert [p["period"]["label"] for p in answer["periods"]] == [day(-1), day(0)]
    total = answer["total"]
    assert (total["raised"], total["cleared"], total["live_at_end"]) == (4, 1, 3)
    assert by_rule(total) == {"decision_maker_involved": (2, 0, 2),
                              "email_back_and_forth": (1, 1, 0),
                              "policy_quoted": (1, 0, 1)}
    # Every rule and severity is listed, in order, zeros included.
    assert [r["rule"] for r in total["by_rule"]] == [
        "repeat_contact", "email_back_and_forth", "decision_maker_involved", "policy_quoted",
        "offer_during_open_problem", "failed_fix", "sla_breach_streak", "stranger"]
    severities = {s["severity"]: (s["raised"], s["cleared"], s["live_at_end"])
                  for s in total["by_severity"]}
    assert severities == {"low": (0, 0, 0), "medium": (4, 1, 3), "high": (0, 0, 0)}
    # The periods add up to the total; today ends the range, its live count is the total's.
    assert sum(p["raised"] for p in answer["periods"]) == 4
    assert sum(p["cleared"] for p in answer["periods"]) == 1
    assert answer["periods"][-1]["live_at_end"] == 3
    # What is live at the end is what the signal lists show now.
    live = admin.get(f"{API}/signals?limit=500").json()["items"]
    assert len(live) == 3


def test_vendor_agents_count_their_vendors_cases_and_no_case(history):
    vendor_a = signal_report(history["clients"]["vendor_a"])["total"]
    assert by_rule(vendor_a) == {"decision_maker_involved": (1, 0, 1), "policy_quoted": (1, 0, 1)}
    vendor_b = signal_report(history["clients"]["vendor_b"])["total"]
    assert by_rule(vendor_b) == {"decision_maker_involved": (1, 0, 1),
                                 "email_back_and_forth": (1, 1, 0),
                                 "policy_quoted": (1, 0, 1)}
    for role in ("manager", "agent", "viewer"):
        assert signal_report(history["clients"][role])["total"]["raised"] == 4, role


def test_periods_before_and_after_now(history):
    """A range that ends before the signals began counts none; a period not begun yet has no
    known live count (null), while today's is known."""
    admin = history["clients"]["admin"]
    before = signal_report(admin, f"from=2024-01-01&to=2024-03-01")
    assert [p["period"]["label"] for p in before["periods"]] == ["2024-01", "2024-02"]
    assert before["total"]["raised"] == 0 and before["total"]["live_at_end"] == 0
    ahead = signal_report(admin, f"from={day(0)}&to={day(2)}&period=day")
    assert [p["live_at_end"] for p in ahead["periods"]] == [3, None]
    assert ahead["total"]["live_at_end"] == 3


@pytest.mark.parametrize("query,field,words", [
    ("period=15m", "period", ["day, week or month"]),
    ("from=yesterday", "from", ["RFC 3339"]),
    ("time_zone=Mars/Base", "time_zone", ["Mars/Base"]),
    ("from=2024-02-01&to=2024-01-01", "to", ["after from"]),
    ("from=1990-01-01&to=2020-01-01", "to", ["20 years"]),
    ("colour=red", "colour", ["not a parameter"]),
])
def test_bad_parameters_are_named(world, query, field, words):
    assert_problem(world["clients"]["admin"].get(f"{API}/reports/signals?{query}"), 400, field, *words)


def test_every_bad_parameter_is_named_at_once(world):
    response = world["clients"]["admin"].get(
        f"{API}/reports/signals?period=hour&from=soon&time_zone=Nowhere&colour=red")
    assert response.status_code == 400, response.text
    assert {e["field"] for e in response.json()["errors"]} == {"period", "from", "time_zone", "colour"}


def test_report_command_gives_the_apis_answer(history):
    admin = history["clients"]["admin"]
    answer = signal_report(admin)

    def cli(*args):
        return subprocess.run([RAPPORT_BIN, "--data", history["server"].data_dir, "report", *args],
                              capture_output=True, text=True, timeout=60)

    options = ["--from", day(-1), "--to", day(1), "--period", "day"]
    result = cli("--format", "json", "signals", *options)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == answer
    result = cli("--format", "csv", "signals", *options)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "period,raised,cleared,live_at_end"
    assert len(lines) == 3
    result = cli("signals", "--period", "hour")
    assert result.returncode == 1 and "--period" in result.stderr
