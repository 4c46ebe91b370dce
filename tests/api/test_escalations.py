"""Escalations (advocacy engagements), trials of mitigating services and the management
review: the whole lifecycle and every refusal, black-box against a real `rapport serve`
(docs/advocacy.md)."""
import datetime
import json
import time

import pytest

from conftest import (API, NothingWritten, Server, all_events, assert_problem, create, etag_of,
                      patch, read)

ADVOCACY = ["escalations", "trials", "mitigating_services", "root_cause_categories"]
PROBLEM = "application/problem+json"


@pytest.fixture
def server(data_dir):
    """The server, checking trials every second so that the trial job is observable."""
    srv = Server(data_dir, ["--trial-check-seconds", "1"]).start()
    yield srv
    srv.stop()


def me(client):
    return client.get(f"{API}/me").json()["id"]


def today(days=0):
    return (datetime.datetime.now(datetime.timezone.utc).date()
            + datetime.timedelta(days=days)).isoformat()


def now_rfc3339(seconds=0):
    at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def names(response):
    return {e["field"]: e["message"] for e in response.json().get("errors", [])}


@pytest.fixture
def adv(world):
    """The world plus what escalations need: the owner (the agent), a second agent, a
    categorised case and a client per role."""
    w = world
    c = w["clients"]
    w["owner_id"] = me(c["agent"])
    w["case_a"] = patch(c["admin"], "cases", read(c["admin"], "cases", w["case_a"]["id"]),
                        {"category": "connectivity"})
    w["other_account"] = create(c["admin"], "accounts", {"name": "Initech", "segment": "standard",
                                                         "annual_value_minor": 500_000,
                                                         "currency": "USD"})
    w["other_person"] = create(c["admin"], "people", {"account_id": w["other_account"]["id"],
                                                      "name": "Bob Ray"})
    w["other_case"] = create(c["admin"], "cases", {"account_id": w["other_account"]["id"],
                                                   "subject": "Elsewhere",
                                                   "queue_id": w["queue_house"]["id"]})
    return w


@pytest.fixture
def other_agent(server, adv):
    return server.client(server.token("agent2@example.com", "agent"))


def new_escalation(client, w, **extra):
    body = {"account_id": w["account"]["id"], "title": "Globex phone outage",
            "owner_id": w["owner_id"], "case_ids": [w["case_a"]["id"]],
            "contact_ids": [w["person"]["id"]], "severity": "critical"}
    body.update(extra)
    return create(client, "escalations", body)


def move(client, escalation, stage, **fields):
    return patch(client, "escalations", escalation, dict(fields, stage=stage))


def ready_to_close(w):
    return {"success_criteria": [{"description": "No outage for 30 days", "met": True,
                                  "evidence": "monitoring report 12"}],
            "customer_agreement": {"person_id": w["person"]["id"], "at": now_rfc3339(-60)}}


def closed_escalation(client, w, **extra):
    e = new_escalation(client, w, **extra)
    e = move(client, e, "planning",
             plan=[{"description": "Replace the line card", "due_on": today(7)}])
    e = move(client, e, "executing")
    e = move(client, e, "verifying")
    return move(client, e, "closed", **ready_to_close(w))


def inbound(client, w, category=None, case_id=None, direction="inbound", account=None):
    body = {"channel": "email", "direction": direction, "outcome": "received" if direction == "inbound" else "sent",
            "account_id": (account or w["account"])["id"], "arrived_at": now_rfc3339(),
            "subject": "It is happening again", "person_id": w["person"]["id"]}
    if account is not None:
        body.pop("person_id")
    if category:
        body["category"] = category
    if case_id:
        body["case_id"] = case_id
    return create(client, "interactions", body)


# ---- the lifecycle -----------------------------------------------------------------------

def test_lifecycle_from_engaged_to_reviewed(adv):
    w, agent, admin = adv, adv["clients"]["agent"], adv["clients"]["admin"]
    e = new_escalation(agent, w)
    assert e["stage"] == "engaged"
    assert e["revenue_at_risk_minor"] == 12_000_000 and e["currency"] == "GBP"
    assert e["incident_cost_minor"] == 0
    assert [s["stage"] for s in e["stage_history"]] == ["engaged"]
    assert e["stage_history"][0]["by"] == w["owner_id"]
    # The sequence of events is pre-filled from the linked case's history.
    lines = [s["description"] for s in e["sequence_of_events"]]
    assert f"Case #{w['case_a']['id']} opened: Phone line down" in lines
    assert [s["at"] for s in e["sequence_of_events"]] == sorted(s["at"] for s in e["sequence_of_events"])
    assert any(s.get("interaction_id") == w["call_a"]["id"] for s in e["sequence_of_events"])
    assert "Inbound call (answered): Line down" in lines
    # ... and editable.
    e = patch(agent, "escalations", e, {
        "sequence_of_events": e["sequence_of_events"] + [
            {"at": now_rfc3339(-30), "description": "CEO called our CEO"}],
        "customer_impact": "Sales floor without phones for two days",
        "root_cause": "Firmware bug in the line card",
        "dry_run_checklist": [{"item": "Agenda sent to the sponsor", "done": False}],
        "incident_cost_minor": 150_000})
    assert e["sequence_of_events"][-1]["description"] == "CEO called our CEO"

    e = move(agent, e, "planning")
    refused = agent.patch(f"{API}/escalations/{e['id']}", {"stage": "executing"}, etag=etag_of(e))
    problem = assert_problem(refused, 409, "plan", "no action")
    assert "dry_run_checklist[0]" in names(refused)
    e = patch(agent, "escalations", e, {
        "plan": [{"description": "Replace the line card", "owner_id": w["owner_id"],
                  "due_on": today(3), "status": "in_progress"}],
        "dry_run_checklist": [{"item": "Agenda sent to the sponsor", "done": True}]})
    e = move(agent, e, "executing")
    e = move(agent, e, "verifying")
    # Close-out names each unmet criterion and the missing agreement.
    e = patch(agent, "escalations", e, {"success_criteria": [
        {"description": "No outage for 30 days", "met": True, "evidence": "monitoring"},
        {"description": "Service credit issued"},
        {"description": "Root cause report shared"}]})
    with NothingWritten(admin, "escalations"):
        refused = agent.patch(f"{API}/escalations/{e['id']}", {"stage": "closed"}, etag=etag_of(e))
        assert_problem(refused, 409, "success_criteria[1]", "Service credit issued")
        assert_problem(refused, 409, "success_criteria[2]", "Root cause report shared")
        assert_problem(refused, 409, "customer_agreement", "agreement")
        assert "success_criteria[0]" not in names(refused)
        # Regression: the count was taken after the list had been moved away ("0 …").
        assert "3 condition(s) unmet" in refused.json()["detail"]
    # Verification failed: back to executing, and forward again.
    e = move(agent, e, "executing")
    e = move(agent, e, "verifying")
    e = patch(agent, "escalations", e, {"success_criteria": [
        {"description": "No outage for 30 days", "met": True, "evidence": "monitoring"},
        {"description": "Service credit issued", "met": True, "evidence": "credit note 88"},
        {"description": "Root cause report shared", "met": True, "evidence": "sent 3 May"}]})
    refused = agent.patch(f"{API}/escalations/{e['id']}", {"stage": "closed"}, etag=etag_of(e))
    assert set(names(refused)) == {"customer_agreement"}
    e = move(agent, e, "closed", customer_agreement={"person_id": w["person"]["id"],
                                                      "at": now_rfc3339(-5)})
    assert e["closed_at"] is not None
    # A closed escalation reopens only through a related contact.
    refused = agent.patch(f"{API}/escalations/{e['id']}", {"stage": "verifying"}, etag=etag_of(e))
    assert_problem(refused, 409, "stage", "classif")
    # Review needs the category and the factors.
    refused = agent.patch(f"{API}/escalations/{e['id']}", {"stage": "reviewed"}, etag=etag_of(e))
    assert_problem(refused, 409, "root_cause_category")
    assert_problem(refused, 409, "contributing_factors")
    e = move(agent, e, "reviewed", root_cause_category="product defect", contributing_factors=[
        {"description": "Firmware shipped untested", "party": "us", "function": "engineering"},
        {"description": "Carrier rerouted traffic", "party": "third_party"}])
    assert [s["stage"] for s in e["stage_history"]] == [
        "engaged", "planning", "executing", "verifying", "executing", "verifying", "closed",
        "reviewed"]
    # Reviewed is final.
    for stage in ("closed", "verifying", "engaged"):
        refused = agent.patch(f"{API}/escalations/{e['id']}", {"stage": stage}, etag=etag_of(e))
        assert_problem(refused, 409, "stage", "final")

    # Every transition is an event with its actor and the account.
    moves = [ev for ev in all_events(admin)
             if ev["entity"] == "escalation" and ev["entity_id"] == e["id"]
             and ev["action"] == "stage_changed"]
    assert [(m["change"]["from"], m["change"]["to"]) for m in moves] == [
        ("engaged", "planning"), ("planning", "executing"), ("executing", "verifying"),
        ("verifying", "executing"), ("executing", "verifying"), ("verifying", "closed"),
        ("closed", "reviewed")]
    assert {m["actor_id"] for m in moves} == {w["owner_id"]}
    assert {m["account_id"] for m in moves} == {w["account"]["id"]}
    created = [ev for ev in all_events(admin) if ev["entity"] == "escalation"
               and ev["entity_id"] == e["id"] and ev["action"] == "created"]
    assert len(created) == 1 and created[0]["account_id"] == w["account"]["id"]


@pytest.mark.parametrize("path", [
    ["executing"], ["verifying"], ["closed"], ["reviewed"],
    ["planning", "verifying"], ["planning", "engaged"], ["planning", "closed"]])
def test_illegal_stage_moves_are_409_and_change_nothing(adv, path):
    w, admin = adv, adv["clients"]["admin"]
    e = new_escalation(admin, w, plan=[{"description": "Call daily"}])
    for stage in path[:-1]:
        e = move(admin, e, stage)
    with NothingWritten(admin, "escalations"):
        refused = admin.patch(f"{API}/escalations/{e['id']}", {"stage": path[-1]}, etag=etag_of(e))
        assert_problem(refused, 409, "stage", "illegal move from " + e["stage"])


def test_one_patch_may_meet_the_criteria_and_close(adv):
    w, admin = adv, adv["clients"]["admin"]
    e = closed_escalation(admin, w)
    assert e["stage"] == "closed"
    assert e["customer_agreement"]["person_id"] == w["person"]["id"]


# ---- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("extra,field,words", [
    ({"contributing_factors": [{"description": "x", "party": "us"}]},
     "contributing_factors[0].function", ["required"]),
    ({"contributing_factors": [{"description": "x", "party": "customer", "function": "engineering"}]},
     "contributing_factors[0].function", ["only when"]),
    ({"contributing_factors": [{"description": "x", "party": "vendor"}]},
     "contributing_factors[0].party", ["us, customer, third_party"]),
    ({"success_criteria": [{"description": "Stable", "met": True}]},
     "success_criteria[0].evidence", ["required"]),
    ({"root_cause_category": "bad luck"}, "root_cause_category", ["not an active category"]),
    ({"revenue_at_risk_minor": -1}, "revenue_at_risk_minor", ["negative"]),
    ({"incident_cost_minor": -1}, "incident_cost_minor", ["negative"]),
    ({"currency": "pounds"}, "currency", ["ISO 4217"]),
    ({"title": "  "}, "title", ["blank"]),
    ({"stage": "planning"}, "stage", ["starts engaged"]),
    ({"stage_history": []}, "stage_history", ["read-only"]),
    ({"closed_at": "2025-01-01T00:00:00Z"}, "closed_at", ["read-only"]),
    ({"progress_updates": []}, "progress_updates", ["read-only"]),
    ({"classifications": []}, "classifications", ["read-only"]),
    ({"mood": "grim"}, "mood", ["unknown"]),
    ({"severity": "apocalyptic"}, "severity", ["critical"]),
    ({"plan": [{"description": "x", "status": "someday"}]}, "plan[0].status", ["planned"]),
    ({"plan": [{"description": "x", "due_on": "next week"}]}, "plan[0].due_on", []),
    ({"case_ids": [999999]}, "case_ids[0]", ["no cases record"]),
    ({"owner_id": 999999}, "owner_id", ["no users record"]),
])
def test_bad_fields_are_422_naming_them(adv, extra, field, words):
    w, admin = adv, adv["clients"]["admin"]
    body = {"account_id": w["account"]["id"], "title": "Outage", "owner_id": w["owner_id"]}
    body.update(extra)
    with NothingWritten(admin, "escalations"):
        assert_problem(admin.post(f"{API}/escalations", body), 422, field, *words)


def test_records_of_another_account_or_a_vendor_are_422(adv):
    w, admin = adv, adv["clients"]["admin"]
    vendor_user = me(w["clients"]["vendor_a"])
    body = {"account_id": w["account"]["id"], "title": "Outage", "owner_id": vendor_user,
            "executive_sponsor_id": vendor_user,
            "case_ids": [w["case_a"]["id"], w["other_case"]["id"]],
            "contact_ids": [w["other_person"]["id"]],
            "plan": [{"description": "x", "owner_id": vendor_user}],
            "customer_agreement": {"person_id": w["other_person"]["id"], "at": now_rfc3339(3600)}}
    response = admin.post(f"{API}/escalations", body)
    for field in ("owner_id", "executive_sponsor_id", "case_ids[1]", "contact_ids[0]",
                  "plan[0].owner_id", "customer_agreement.person_id", "customer_agreement.at"):
        assert_problem(response, 422, field)
    assert "case_ids[0]" not in names(response)
    e = new_escalation(admin, w)
    assert_problem(admin.patch(f"{API}/escalations/{e['id']}",
                               {"account_id": w["other_account"]["id"]}, etag=etag_of(e)),
                   422, "account_id", "cannot change")
    other = new_escalation(admin, w, account_id=w["other_account"]["id"], case_ids=[],
                           contact_ids=[])
    assert other["currency"] == "USD" and other["revenue_at_risk_minor"] == 500_000
    assert_problem(admin.patch(f"{API}/escalations/{e['id']}",
                               {"previous_escalation_id": other["id"]}, etag=etag_of(e)),
                   422, "previous_escalation_id", "another account")
    assert_problem(admin.patch(f"{API}/escalations/{e['id']}", {"stage_history": []},
                               etag=etag_of(e)), 422, "stage_history", "read-only")


def test_if_match_is_required_and_checked(adv):
    w, admin = adv, adv["clients"]["admin"]
    e = new_escalation(admin, w)
    assert admin.patch(f"{API}/escalations/{e['id']}", {"stage": "planning"}).status_code == 428
    e2 = patch(admin, "escalations", e, {"customer_impact": "bad"})
    stale = admin.patch(f"{API}/escalations/{e['id']}", {"stage": "planning"}, etag=etag_of(e))
    assert stale.status_code == 412
    assert read(admin, "escalations", e["id"])["stage"] == "engaged"
    assert e2["version"] == 2


def test_explicit_business_impact_and_list_filters(adv):
    w, admin = adv, adv["clients"]["admin"]
    e = new_escalation(admin, w, revenue_at_risk_minor=3_000_000, incident_cost_minor=40_000)
    assert (e["revenue_at_risk_minor"], e["incident_cost_minor"]) == (3_000_000, 40_000)
    # null resets it to the account's annual value.
    e = patch(admin, "escalations", e, {"revenue_at_risk_minor": None})
    assert e["revenue_at_risk_minor"] == 12_000_000
    new_escalation(admin, w, severity="low")
    listed = admin.get(f"{API}/escalations?severity=critical&stage=engaged").json()["items"]
    assert [x["id"] for x in listed] == [e["id"]]
    bad = admin.get(f"{API}/escalations?customer_agreement=x")
    assert_problem(bad, 400, "customer_agreement", "not a filter")


# ---- permissions ---------------------------------------------------------------------------

def test_vendor_agents_have_no_access_to_advocacy(adv):
    w, admin, vendor = adv, adv["clients"]["admin"], adv["clients"]["vendor_a"]
    e = new_escalation(admin, w)
    for path in [f"{API}/{c}" for c in ADVOCACY] + [
            f"{API}/escalations/{e['id']}", f"{API}/escalations/{e['id']}/overview",
            f"{API}/escalations/{e['id']}/contacts", f"{API}/reports/review"]:
        assert_problem_status(vendor.get(path), 403)
    assert_problem_status(vendor.post(f"{API}/escalations", {"account_id": 1}), 403)
    assert_problem_status(vendor.patch(f"{API}/escalations/{e['id']}", {"title": "x"},
                                       etag=etag_of(e)), 403)
    assert_problem_status(vendor.post(f"{API}/escalations/{e['id']}/progress-updates",
                                      {"channel": "email", "summary": "x"}), 403)
    # ... while the account itself stays visible, without the escalation's money anywhere.
    account = vendor.get(f"{API}/accounts/{w['account']['id']}")
    assert account.status_code == 200 and "annual_value_minor" not in account.json()


def assert_problem_status(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)


def test_roles(adv, other_agent):
    w, c = adv, adv["clients"]
    e = new_escalation(c["agent"], w)  # owned by the agent
    # Viewers read, never write.
    assert c["viewer"].get(f"{API}/escalations/{e['id']}").status_code == 200
    assert c["viewer"].get(f"{API}/escalations/{e['id']}/overview").status_code == 200
    assert c["viewer"].get(f"{API}/reports/review").status_code == 200
    assert_problem_status(c["viewer"].patch(f"{API}/escalations/{e['id']}", {"title": "x"},
                                            etag=etag_of(e)), 403)
    assert_problem_status(c["viewer"].post(f"{API}/escalations/{e['id']}/progress-updates",
                                           {"channel": "email", "summary": "x"}), 403)
    # Another agent may read but not change it; managers may.
    assert other_agent.get(f"{API}/escalations/{e['id']}").status_code == 200
    with NothingWritten(c["admin"], "escalations"):
        refused = other_agent.patch(f"{API}/escalations/{e['id']}", {"stage": "planning"},
                                    etag=etag_of(e))
        assert_problem_status(refused, 403)
        assert "owner" in refused.json()["detail"]
        assert_problem_status(other_agent.post(f"{API}/escalations/{e['id']}/progress-updates",
                                               {"channel": "email", "summary": "x"}), 403)
    e = move(c["manager"], e, "planning")
    assert e["stage_history"][-1]["by"] == me(c["manager"])
    # Agents do not see the management review; only admins edit the category list.
    assert_problem_status(c["agent"].get(f"{API}/reports/review"), 403)
    assert_problem_status(c["manager"].post(f"{API}/root_cause_categories", {"name": "x"}), 403)
    assert_problem_status(c["agent"].post(f"{API}/mitigating_services",
                                          {"name": "x", "monthly_price_minor": 1}), 403)
    # Missing escalations answer 404 on every route.
    for path in ("", "/overview", "/contacts"):
        assert_problem_status(c["admin"].get(f"{API}/escalations/999999{path}"), 404)
    assert_problem_status(c["admin"].post(f"{API}/escalations/999999/progress-updates",
                                          {"channel": "email", "summary": "x"}), 404)
    assert_problem_status(c["admin"].post(f"{API}/escalations/999999/classifications",
                                          {"interaction_id": 1, "choice": "related"}), 404)


# ---- progress updates and the overview -------------------------------------------------------

def test_progress_updates_are_logged_and_their_age_shown(adv):
    w, agent, admin = adv, adv["clients"]["agent"], adv["clients"]["admin"]
    e = new_escalation(agent, w)
    overview = agent.get(f"{API}/escalations/{e['id']}/overview").json()
    assert overview["progress"] == {"updates": 0, "last": None}
    url = f"{API}/escalations/{e['id']}/progress-updates"
    first = agent.post(url, {"channel": "phone", "summary": "Called the CTO",
                             "at": now_rfc3339(-7200)})
    assert first.status_code == 201, first.text
    second = agent.post(url, {"channel": "email", "summary": "Sent the daily status"})
    assert second.status_code == 201, second.text
    assert second.headers["ETag"] == etag_of(second.json())
    updates = second.json()["progress_updates"]
    assert [u["summary"] for u in updates] == ["Called the CTO", "Sent the daily status"]
    assert {u["by"] for u in updates} == {w["owner_id"]}
    late = agent.post(url, {"channel": "email", "summary": "Forgot to log this",
                            "at": now_rfc3339(-86400 * 3)})
    assert [u["summary"] for u in late.json()["progress_updates"]][0] == "Forgot to log this"
    overview = agent.get(f"{API}/escalations/{e['id']}/overview").json()
    assert overview["progress"]["updates"] == 3
    assert overview["progress"]["last"]["summary"] == "Sent the daily status"
    assert 0 <= overview["progress"]["last"]["age_seconds"] < 60
    logged = [ev for ev in all_events(admin) if ev["action"] == "progress_update_logged"]
    assert len(logged) == 3 and {ev["account_id"] for ev in logged} == {w["account"]["id"]}

    with NothingWritten(admin, "escalations"):
        for body, field in [({"summary": "x"}, "channel"), ({"channel": "email"}, "summary"),
                            ({"channel": "fax", "summary": "x"}, "channel"),
                            ({"channel": "email", "summary": " "}, "summary"),
                            ({"channel": "email", "summary": "x", "by": 1}, "by"),
                            ({"channel": "email", "summary": "x", "at": now_rfc3339(3600)}, "at"),
                            ({"channel": "email", "summary": "x", "at": "soon"}, "at")]:
            assert_problem(agent.post(url, body), 422, field)
        assert_problem_status(agent.post(url, raw="not json"), 400)


def test_overview_shows_what_blocks_the_next_stage_and_overdue_actions(adv):
    w, admin = adv, adv["clients"]["admin"]
    e = new_escalation(admin, w, plan=[
        {"description": "Ship the fix", "due_on": today(-3), "status": "in_progress"},
        {"description": "Train the desk", "due_on": today(-3), "status": "done"},
        {"description": "Review", "due_on": today(5)}],
        success_criteria=[{"description": "Stable"}])
    e = move(admin, e, "planning")
    e = move(admin, e, "executing")
    e = move(admin, e, "verifying")
    overview = admin.get(f"{API}/escalations/{e['id']}/overview").json()
    assert overview["plan"]["actions"] == 3 and overview["plan"]["done"] == 1
    assert [(o["index"], o["days_overdue"]) for o in overview["plan"]["overdue"]] == [(0, 3)]
    assert overview["success_criteria"]["unmet"] == ["Stable"]
    assert overview["next_stage"]["stage"] == "closed"
    assert {b["field"] for b in overview["next_stage"]["blocked_by"]} == {
        "success_criteria[0]", "customer_agreement"}
    assert [s["stage"] for s in overview["time_in_stage"]] == [
        "engaged", "planning", "executing", "verifying"]


# ---- contacts after close-out ---------------------------------------------------------------

def test_a_related_contact_reopens_the_escalation_to_verifying(adv):
    w, agent, admin = adv, adv["clients"]["agent"], adv["clients"]["admin"]
    e = closed_escalation(agent, w)
    url = f"{API}/escalations/{e['id']}"
    inbound(admin, w, direction="outbound")  # ours: not a contact to classify
    same = inbound(admin, w, category="connectivity")
    other = inbound(admin, w, category="billing")
    elsewhere = inbound(admin, w, category="connectivity", account=w["other_account"])
    contacts = agent.get(f"{url}/contacts").json()
    awaiting = {c["interaction_id"]: c for c in contacts["awaiting_classification"]}
    assert set(awaiting) == {same["id"], other["id"]}
    assert awaiting[same["id"]]["suggestion"] == "related"
    assert "same category" in awaiting[same["id"]]["reason"]
    assert awaiting[other["id"]]["suggestion"] == "separate"
    assert agent.get(f"{url}/overview").json()["awaiting_classification"] == 2

    with NothingWritten(admin, "escalations"):
        for body, field, status in [
                ({"interaction_id": same["id"]}, "choice", 422),
                ({"choice": "related"}, "interaction_id", 422),
                ({"interaction_id": same["id"], "choice": "maybe"}, "choice", 422),
                ({"interaction_id": same["id"], "choice": "related", "note": 1}, "note", 422),
                ({"interaction_id": elsewhere["id"], "choice": "related"}, "interaction_id", 422),
                ({"interaction_id": w["call_a"]["id"], "choice": "related"}, "interaction_id", 422)]:
            assert_problem(agent.post(f"{url}/classifications", body), status, field)

    answer = agent.post(f"{url}/classifications", {"interaction_id": same["id"], "choice": "related"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["new_escalation"] is None
    assert body["escalation"]["stage"] == "verifying"
    c = body["classification"]
    assert (c["interaction_id"], c["suggested"], c["chosen"], c["by"]) == (
        same["id"], "related", "related", w["owner_id"])
    assert c["at"]
    e = read(admin, "escalations", e["id"])
    assert e["classifications"] == [c]
    assert [s["stage"] for s in e["stage_history"]][-2:] == ["closed", "verifying"]
    reopened = [ev for ev in all_events(admin) if ev["entity_id"] == e["id"]
                and ev["entity"] == "escalation" and ev["action"] == "stage_changed"][-1]
    assert reopened["change"]["interaction_id"] == same["id"]
    assert (reopened["change"]["from"], reopened["change"]["to"]) == ("closed", "verifying")
    # No longer closed: nothing more to classify.
    assert_problem(agent.post(f"{url}/classifications", {"interaction_id": other["id"],
                                                          "choice": "separate"}), 409, "stage")
    assert agent.get(f"{url}/contacts").json()["awaiting_classification"] == []
    # Closing again starts a new window; the classified contact stays classified.
    e = move(agent, e, "closed")
    assert_problem(agent.post(f"{url}/classifications", {"interaction_id": same["id"],
                                                          "choice": "related"}),
                   409, "interaction_id", "already classified")


def test_a_separate_incident_opens_a_new_escalation_referencing_the_old(adv):
    w, agent, admin = adv, adv["clients"]["agent"], adv["clients"]["admin"]
    e = closed_escalation(agent, w, executive_sponsor_id=me(w["clients"]["manager"]))
    url = f"{API}/escalations/{e['id']}"
    new_case = create(admin, "cases", {"account_id": w["account"]["id"], "subject": "Voicemail lost",
                                       "queue_id": w["queue_house"]["id"], "category": "connectivity"})
    contact = inbound(admin, w, case_id=new_case["id"])
    suggestion = agent.get(f"{url}/contacts").json()["awaiting_classification"][0]
    assert suggestion["category"] == "connectivity" and suggestion["suggestion"] == "related"
    # The owner may overrule the suggestion; both are recorded.
    answer = agent.post(f"{url}/classifications", {"interaction_id": contact["id"], "choice": "separate"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["classification"]["suggested"], body["classification"]["chosen"]) == (
        "related", "separate")
    assert body["escalation"]["stage"] == "closed"
    new = body["new_escalation"]
    assert body["classification"]["new_escalation_id"] == new["id"]
    assert new["previous_escalation_id"] == e["id"]
    assert new["stage"] == "engaged"
    assert new["case_ids"] == [new_case["id"]]
    assert (new["owner_id"], new["executive_sponsor_id"], new["severity"], new["contact_ids"]) == (
        e["owner_id"], e["executive_sponsor_id"], e["severity"], e["contact_ids"])
    assert new["revenue_at_risk_minor"] == 12_000_000
    assert any(s.get("interaction_id") == contact["id"] for s in new["sequence_of_events"])
    assert read(admin, "escalations", new["id"]) == new
    events = [ev for ev in all_events(admin) if ev["entity"] == "escalation"]
    assert any(ev["entity_id"] == new["id"] and ev["action"] == "created" for ev in events)
    assert any(ev["entity_id"] == e["id"] and ev["action"] == "contact_classified"
               for ev in events)
    # After the review a related contact cannot reopen it.
    e = move(agent, read(admin, "escalations", e["id"]), "reviewed",
             root_cause_category="configuration",
             contributing_factors=[{"description": "Wrong profile", "party": "customer"}])
    later = inbound(admin, w, category="connectivity")
    pending = agent.get(f"{url}/contacts").json()["awaiting_classification"]
    assert [(p["interaction_id"], p["suggestion"]) for p in pending] == [(later["id"], "separate")]
    assert_problem(agent.post(f"{url}/classifications", {"interaction_id": later["id"],
                                                          "choice": "related"}), 409, "choice", "final")


def test_classifying_before_close_out_is_409(adv):
    w, admin = adv, adv["clients"]["admin"]
    e = new_escalation(admin, w)
    contact = inbound(admin, w, category="connectivity")
    assert_problem(admin.post(f"{API}/escalations/{e['id']}/classifications",
                              {"interaction_id": contact["id"], "choice": "related"}),
                   409, "stage", "engaged")


# ---- root-cause categories -------------------------------------------------------------------

def test_root_cause_categories_are_configurable(adv):
    w, admin = adv, adv["clients"]["admin"]
    listed = {c["name"] for c in admin.get(f"{API}/root_cause_categories?limit=500").json()["items"]}
    assert {"product defect", "process", "training", "third-party outage"} <= listed
    assert_problem(admin.post(f"{API}/root_cause_categories", {"name": "process"}), 422, "name",
                   "already exists")
    assert_problem(admin.post(f"{API}/root_cause_categories", {"name": " "}), 422, "name")
    category = create(admin, "root_cause_categories", {"name": "carrier routing",
                                                       "description": "a carrier's routing"})
    e = new_escalation(admin, w, root_cause_category="carrier routing")
    patch(admin, "root_cause_categories", category, {"active": False})
    # Retired: refused on a new choice, kept where chosen.
    assert_problem(admin.post(f"{API}/escalations", {
        "account_id": w["account"]["id"], "title": "x", "owner_id": w["owner_id"],
        "root_cause_category": "carrier routing"}), 422, "root_cause_category")
    e = patch(admin, "escalations", e, {"customer_impact": "still editable"})
    assert e["root_cause_category"] == "carrier routing"


# ---- trials ---------------------------------------------------------------------------------

@pytest.fixture
def service(adv):
    return create(adv["clients"]["admin"], "mitigating_services", {
        "name": "Managed failover line", "monthly_price_minor": 50_000, "currency": "GBP"})


def wait_for(check, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_trial_defaults_return_on_investment_and_outcome(adv, service):
    w, agent, admin = adv, adv["clients"]["agent"], adv["clients"]["admin"]
    e = new_escalation(agent, w, incident_cost_minor=150_000)
    trial = create(agent, "trials", {"escalation_id": e["id"], "service_id": service["id"]})
    assert (trial["starts_on"], trial["ends_on"]) == (today(), today(90))
    assert trial["reminder_days"] == 14
    assert (trial["account_id"], trial["monthly_price_minor"], trial["currency"]) == (
        w["account"]["id"], 50_000, "GBP")
    assert trial["outcome"] is None and trial["ended_on"] is None
    # The price is the catalogue's when the trial started.
    patch(admin, "mitigating_services", service, {"monthly_price_minor": 90_000})
    overview = agent.get(f"{API}/escalations/{e['id']}/overview").json()
    [item] = overview["trials"]
    assert item["service"] == "Managed failover line"
    assert item["reminder_on"] == today(76)
    assert item["return"] == {"currency": "GBP", "trial_days": 90, "trial_cost_minor": 150_000,
                              "incident_cost_minor": 150_000, "investment_minor": 300_000,
                              "gain_minor": 12_000_000, "roi_percent": 3900.0}
    trial = patch(agent, "trials", trial, {"outcome": "purchased"})
    [item] = agent.get(f"{API}/escalations/{e['id']}/overview").json()["trials"]
    assert item["return"]["gain_minor"] == 12_000_000 + 12 * 50_000
    assert item["return"]["roi_percent"] == 4100.0


def test_trial_refusals(adv, service, other_agent):
    w, admin = adv, adv["clients"]["admin"]
    e = new_escalation(admin, w)
    usd = create(admin, "mitigating_services", {"name": "US line", "monthly_price_minor": 1,
                                                "currency": "USD"})
    retired = create(admin, "mitigating_services", {"name": "Old", "monthly_price_minor": 1,
                                                    "currency": "GBP", "active": False})
    base = {"escalation_id": e["id"], "service_id": service["id"]}
    with NothingWritten(admin, "trials"):
        for extra, field, words in [
                ({"service_id": usd["id"]}, "service_id", ["USD", "GBP"]),
                ({"service_id": retired["id"]}, "service_id", ["no longer offered"]),
                ({"starts_on": "2025-05-01", "ends_on": "2025-04-01"}, "ends_on", ["after"]),
                ({"starts_on": "2025-05-01", "ends_on": "2025-05-10", "reminder_days": 20},
                 "reminder_days", ["before the trial starts"]),
                ({"reminder_days": -1}, "reminder_days", ["negative"]),
                ({"outcome": "maybe"}, "outcome", ["purchased"]),
                ({"ended_on": "2025-01-01"}, "ended_on", ["read-only"]),
                ({"monthly_price_minor": 1}, "monthly_price_minor", ["read-only"]),
                ({"account_id": 1}, "account_id", ["read-only"]),
                ({"escalation_id": 999999}, "escalation_id", ["no escalations record"]),
                ({"service_id": 999999}, "service_id", ["no mitigating_services record"])]:
            assert_problem(admin.post(f"{API}/trials", dict(base, **extra)), 422, field, *words)
        assert_problem_status(other_agent.post(f"{API}/trials", base), 403)
    trial = create(admin, "trials", base)
    assert_problem(admin.patch(f"{API}/trials/{trial['id']}", {"service_id": usd["id"]},
                               etag=etag_of(trial)), 422, "service_id", "cannot change")
    assert_problem_status(other_agent.patch(f"{API}/trials/{trial['id']}", {"outcome": "purchased"},
                                            etag=etag_of(trial)), 403)
    assert_problem_status(w["clients"]["vendor_a"].get(f"{API}/trials/{trial['id']}"), 403)


def test_the_trial_job_reminds_and_ends_trials_unless_purchased(adv, service):
    w, admin = adv, adv["clients"]["admin"]
    e = new_escalation(admin, w)
    base = {"escalation_id": e["id"], "service_id": service["id"]}
    past = create(admin, "trials", dict(base, starts_on="2024-01-01", ends_on="2024-02-01"))
    bought = create(admin, "trials", dict(base, starts_on="2024-01-01", ends_on="2024-02-01",
                                          outcome="purchased"))
    soon = create(admin, "trials", dict(base, starts_on=today(-80), ends_on=today(5),
                                        reminder_days=14))
    later = create(admin, "trials", dict(base))
    ended = wait_for(lambda: (t := read(admin, "trials", past["id"]))["ended_on"] and t)
    assert (ended["ended_on"], ended["outcome"]) == ("2024-02-01", "turned_off")
    reminded = wait_for(lambda: (t := read(admin, "trials", soon["id"]))["reminded_on"] and t)
    assert reminded["reminded_on"] == today() and reminded["ended_on"] is None
    time.sleep(1.5)  # another run or two: nothing more happens
    assert read(admin, "trials", bought["id"])["ended_on"] is None
    assert read(admin, "trials", later["id"])["reminded_on"] is None
    assert read(admin, "trials", soon["id"])["version"] == reminded["version"]
    events = [ev for ev in all_events(admin) if ev["entity"] == "trial"]
    done = [ev for ev in events if ev["action"] == "trial_ended"]
    due = [ev for ev in events if ev["action"] == "trial_reminder_due"]
    assert [ev["entity_id"] for ev in done] == [past["id"]]
    assert [ev["entity_id"] for ev in due] == [soon["id"]]
    assert {ev["account_id"] for ev in done + due} == {w["account"]["id"]}
    assert done[0]["change"] == {"ended_on": "2024-02-01", "outcome": "turned_off"}
    # An ended trial no longer changes.
    assert_problem(admin.patch(f"{API}/trials/{past['id']}", {"outcome": "purchased"},
                               etag=etag_of(ended)), 409, "ended_on")


# ---- the management review ---------------------------------------------------------------------

def test_review_report_on_a_constructed_dataset(adv, server):
    w, admin = adv, adv["clients"]["admin"]
    manager = me(w["clients"]["manager"])
    factors = [{"description": "Untested firmware", "party": "us", "function": "engineering"},
               {"description": "No regression test", "party": "us", "function": "engineering"},
               {"description": "Old handsets", "party": "customer"}]
    a = closed_escalation(admin, w, root_cause_category="product defect",
                          contributing_factors=factors, incident_cost_minor=1_000)
    new_escalation(admin, w, root_cause_category="product defect", severity="high",
                   revenue_at_risk_minor=2_000_000,
                   contributing_factors=[{"description": "Carrier", "party": "third_party"}])
    new_escalation(admin, w, account_id=w["other_account"]["id"], case_ids=[], contact_ids=[],
                   owner_id=manager, root_cause_category="billing", severity="low")
    response = admin.get(f"{API}/reports/review?time_zone=Europe/London")
    assert response.status_code == 200, response.text
    r = response.json()
    assert r["escalations"] == 3 and r["time_zone"] == "Europe/London"
    cats = {c["category"]: c for c in r["by_root_cause_category"]}
    assert cats["product defect"]["escalations"] == 2
    assert cats["product defect"]["money"] == [{
        "currency": "GBP", "revenue_at_risk_minor": 14_000_000, "incident_cost_minor": 1_000,
        "open_revenue_at_risk_minor": 2_000_000}]
    assert cats["billing"]["money"][0]["currency"] == "USD"
    owners = {(o["party"], o["function"]): (o["escalations"], o["factors"]) for o in r["by_factor_owner"]}
    assert owners == {("us", "engineering"): (1, 2), ("customer", None): (1, 1),
                      ("third_party", None): (1, 1)}
    money = {m["currency"]: m for m in r["money_at_risk"]}
    assert money["GBP"]["revenue_at_risk_minor"] == 14_000_000
    assert money["GBP"]["open_revenue_at_risk_minor"] == 2_000_000
    assert money["USD"]["revenue_at_risk_minor"] == 500_000
    stages = {s["stage"]: s for s in r["time_in_stage"]}
    assert stages["engaged"]["escalations"] == 3
    assert stages["closed"]["escalations"] == 1 and stages["closed"]["visits"] == 1
    assert r["trend"][-1]["opened"] == 3 and r["trend"][-1]["closed"] == 1
    assert len(r["trend"]) in (12, 13)
    assert sum(t["opened"] for t in r["trend"]) == 3
    # Filters.
    only = admin.get(f"{API}/reports/review?severity=low").json()
    assert only["escalations"] == 1 and only["filters"] == {"severity": "low"}
    assert admin.get(f"{API}/reports/review?owner_id={manager}").json()["escalations"] == 1
    assert admin.get(f"{API}/reports/review?account_id={w['account']['id']}").json()["escalations"] == 2
    empty = admin.get(f"{API}/reports/review?from=2020-01-01&to=2020-03-01").json()
    assert empty["escalations"] == 0 and [t["month"] for t in empty["trend"]] == ["2020-01", "2020-02"]

    # The command line answers the same.
    out = server.cli("report", "review", "--format", "json", "--time-zone", "Europe/London").stdout
    cli = json.loads(out)
    assert cli["escalations"] == 3 and cli["by_factor_owner"] == r["by_factor_owner"]
    table = server.cli("report", "review").stdout
    for section in ("by_root_cause_category", "by_factor_owner", "time_in_stage", "money_at_risk",
                    "trend", "product defect", "GBP revenue_at_risk_minor"):
        assert section in table, table
    bad = server.cli("report", "review", "--severity", "huge", check=False)
    assert bad.returncode == 1 and "--severity" in bad.stderr
    assert a["stage"] == "closed"


@pytest.mark.parametrize("query,field", [
    ("bogus=1", "bogus"), ("from=yesterday", "from"), ("to=2020-13-01", "to"),
    ("from=2025-02-01&to=2025-01-01", "to"), ("time_zone=Mars/Base", "time_zone"),
    ("severity=huge", "severity"), ("owner_id=abc", "owner_id"), ("account_id=0", "account_id"),
    ("from=1990-01-01&to=2025-01-01", "from"), ("severity=low&severity=high", "severity")])
def test_bad_review_parameters_are_400_naming_them(adv, query, field):
    assert_problem(adv["clients"]["admin"].get(f"{API}/reports/review?{query}"), 400, field)


def test_the_customer_360_header_shows_the_active_escalation(adv):
    c = adv["clients"]
    timeline = f"{API}/accounts/{adv['account']['id']}/timeline"
    assert c["admin"].get(timeline).json()["header"]["active_escalation"] is None
    e = new_escalation(c["agent"], adv)
    shown = c["agent"].get(timeline).json()["header"]["active_escalation"]
    assert shown == {"id": e["id"], "title": "Globex phone outage", "stage": "engaged",
                     "severity": "critical", "owner_id": adv["owner_id"]}
    # Its steps are on the timeline; a vendor agent sees neither.
    kinds = c["admin"].get(timeline + "?kinds=escalation").json()["items"]
    assert [(i["entity_id"], i["action"]) for i in kinds] == [(e["id"], "created")]
    vendor_view = c["vendor_a"].get(timeline + "?kinds=escalation").json()
    assert vendor_view["header"]["active_escalation"] is None and vendor_view["items"] == []
    e = read(c["agent"], "escalations", e["id"])
    closed = closed_escalation(c["agent"], adv)
    assert c["admin"].get(timeline).json()["header"]["active_escalation"]["id"] == e["id"]
    assert closed["stage"] == "closed"
