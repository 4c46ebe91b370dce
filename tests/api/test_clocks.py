"""Black-box tests of service clocks: calendars and SLA policies through the API (and their
validation: a bad span or date is named, and nothing is stored), the live clocks on every
case answer, pausing, responses, clocks kept at resolution, today's targets after a change
of priority, policy or calendar, /api/v1/sla/at-risk, the background recorder of warnings
and breaches (across a restart), and `rapport sla explain`.

Expectations are computed from the server's own instants (a case's created_at, a status
change's updated_at), never from the wall clock's day of the week: business calendars
here put their hours on a weekday a few days away and the expected due instant is worked
out in Python with zoneinfo.

One test (the recorder) waits for a real one-minute target to pass (~66 s); every other
test is quick."""
import subprocess
import time
from datetime import datetime, time as clock_time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import (API, RAPPORT_BIN, Client, NothingWritten, Server, assert_problem,
                      create, etag_of, event_count, list_all, patch, read)
UTC = timezone.utc
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


# ---- helpers --------------------------------------------------------------------------

pytestmark = pytest.mark.usefixtures("close_connections")


def ts(text):
    """An RFC 3339 instant as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(at):
    """An aware datetime as the server writes instants (milliseconds, Z)."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_ms():
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)












def all_events(client):
    out, after = [], 0
    while True:
        response = client.get(f"{API}/events?after={after}&limit=500")
        assert response.status_code == 200, response.text
        page = response.json()
        if not page["items"]:
            return out
        out += page["items"]
        after = page["next_after"]


def case_events(client, case_id, *actions):
    return [e for e in all_events(client)
            if e["entity"] == "case" and e["entity_id"] == case_id and e["action"] in actions]


def clocks_of(case):
    """A case answer's clocks by metric (each metric at most once)."""
    by_metric = {c["metric"]: c for c in case["clocks"]}
    assert len(by_metric) == len(case["clocks"]), case["clocks"]
    return by_metric


def assert_running(clock, *, policy, minutes, due, calendar=None):
    assert clock["state"] == "running", clock
    assert clock["policy_id"] == policy["id"], clock
    assert clock["calendar_id"] == (calendar["id"] if calendar else None), clock
    assert clock["target_minutes"] == minutes, clock
    assert clock["due_at"] is not None and ts(clock["due_at"]) == due, (clock, iso(due))
    assert clock["met_at"] is None and clock["breached_at"] is None, clock


def business_due(start, minutes, zone, hours):
    """The instant `minutes` of business time after `start` on a calendar of weekly spans
    (local wall-clock times in `zone`; no holidays or short days). Independent of the
    server: what a supervisor would work out by hand."""
    tz = ZoneInfo(zone)
    left = timedelta(minutes=minutes)
    day = start.astimezone(tz).date() - timedelta(days=1)
    for _ in range(800):
        spans = []
        for span in hours:
            if WEEKDAYS.index(span["day"]) != day.weekday():
                continue
            begin_t, end_t = clock_time.fromisoformat(span["start"]), clock_time.fromisoformat(span["end"])
            begin = datetime.combine(day, begin_t, tzinfo=tz)
            end = datetime.combine(day + timedelta(days=0 if end_t > begin_t else 1), end_t,
                                   tzinfo=tz)
            spans.append((begin.astimezone(UTC), end.astimezone(UTC)))
        for begin, end in sorted(spans):
            begin = max(begin, start)
            if end <= begin:
                continue
            if end - begin >= left:
                return begin + left
            left -= end - begin
        day += timedelta(days=1)
    raise AssertionError("no business time found")


def weekday_ahead(zone, days):
    """The weekday `days` after today in `zone` (only a starting point: expectations are
    computed from the case's created_at, so a midnight in between does not matter)."""
    return WEEKDAYS[(datetime.now(ZoneInfo(zone)).weekday() + days) % 7]


@pytest.fixture
def account(admin):
    """An account with no business calendar: with a policy naming no calendar, its cases
    count 24x7."""
    return create(admin, "accounts", {"name": "Initech", "segment": "standard",
                                      "time_zone": "UTC", "currency": "USD"})


def policy_24x7(admin, name="Round the clock", position=0, **targets_and_fields):
    """A policy without calendar whose targets count elapsed (calendar) minutes."""
    fields = dict(targets_and_fields)
    targets = fields.pop("targets", None) or [
        {"metric": "first_response", "minutes": 60},
        {"metric": "next_response", "minutes": 30},
        {"metric": "resolution", "minutes": 480, "warning_minutes": 60}]
    for target in targets:
        target.setdefault("business_time", False)
    return create(admin, "sla_policies", {"name": name, "position": position,
                                          "targets": targets, **fields})


def open_case(client, account, **fields):
    body = {"account_id": account["id"], "subject": "Printer on fire", "status": "open"}
    body.update(fields)
    return create(client, "cases", body)


def contact(case, direction, arrived=None, n=0, **fields):
    """An email contact on the case (outbound: a response; inbound: a customer message)."""
    body = {"source": "mail", "external_id": f"<{direction}-{case['id']}-{n}@example.com>",
            "channel": "email", "direction": direction, "case_id": case["id"],
            "arrived_at": iso(arrived or now_ms()),
            "outcome": "sent" if direction == "outbound" else "received",
            "subject": "Re: " + case["subject"]}
    body.update(fields)
    return body


# ---- 1. calendars -----------------------------------------------------------------------

OFFICE = {"name": "Paris office", "time_zone": "Europe/Paris",
          "hours": [{"day": d, "start": "09:00", "end": "17:00"} for d in WEEKDAYS[:5]]}


def test_calendar_round_trips_every_part(admin):
    body = {"name": "Follow the sun", "time_zone": "Asia/Tokyo",
            "hours": [{"day": "monday", "start": "09:00", "end": "12:00"},
                      {"day": "monday", "start": "12:00", "end": "17:30"},   # adjacent: fine
                      {"day": "friday", "start": "22:00", "end": "02:00"},   # past midnight
                      {"day": "sunday", "start": "23:00", "end": "24:00"}],
            "holidays": [{"name": "New Year", "date": "2026-01-01", "yearly": True},
                         {"name": "Half day", "date": "2026-12-30", "start": "13:00",
                          "end": "17:30"}],
            "short_days": [{"date": "2026-12-24", "start": "09:00", "end": "11:00"},
                           {"date": "2026-12-24", "start": "11:00", "end": "13:00"},
                           {"date": "2026-12-24", "yearly": True, "start": "10:00",
                            "end": "12:00"}]}
    created = admin.post(f"{API}/calendars", body)
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    got = read(admin, "calendars", created.json()["id"])
    assert got == created.json()
    assert got["hours"] == body["hours"]
    assert got["holidays"][1] == {**body["holidays"][1], "yearly": False}
    assert [(d["date"], d["start"], d["end"], d["yearly"]) for d in got["short_days"]] == \
        [("2026-12-24", "09:00", "11:00", False), ("2026-12-24", "11:00", "13:00", False),
         ("2026-12-24", "10:00", "12:00", True)]
    assert [c["id"] for c in list_all(admin, "calendars")] == [got["id"]]


BAD_CALENDARS = [
    ("overlapping spans, the later named with the other",
     {"hours": OFFICE["hours"] + [{"day": "wednesday", "start": "16:30", "end": "18:00"}]},
     "hours[5]", ["hours[2]", "wednesday 09:00-17:00"]),
    ("overlapping spans, second of two",
     {"hours": [{"day": "monday", "start": "09:00", "end": "17:00"},
                {"day": "monday", "start": "16:00", "end": "18:00"}]},
     "hours[1]", ["overlaps hours[0]", "monday 09:00-17:00"]),
    ("a span past Sunday midnight overlapping Monday morning",
     {"hours": [{"day": "sunday", "start": "22:00", "end": "02:00"},
                {"day": "monday", "start": "01:00", "end": "05:00"}]},
     "hours[1]", ["hours[0]", "sunday 22:00-02:00"]),
    ("the same span twice",
     {"hours": [{"day": "tuesday", "start": "09:00", "end": "17:00"},
                {"day": "tuesday", "start": "09:00", "end": "17:00"}]},
     "hours[1]", ["hours[0]"]),
    ("unknown time zone", {"time_zone": "Mars/Olympus_Mons"}, "time_zone",
     ["Mars/Olympus_Mons"]),
    ("holiday ending before it starts",
     {"holidays": [{"name": "Early close", "date": "2026-12-24", "start": "13:00",
                    "end": "12:00"}]},
     "holidays[0].end", ["not after start"]),
    ("holiday ending as it starts",
     {"holidays": [{"date": "2026-12-24", "start": "13:00", "end": "13:00"}]},
     "holidays[0].end", ["not after start"]),
    ("part-day holiday with only a start",
     {"holidays": [{"name": "ok", "date": "2026-12-25"},
                   {"name": "Half day", "date": "2026-12-31", "start": "13:00"}]},
     "holidays[1]", ["both start and end"]),
    ("part-day holiday with only an end",
     {"holidays": [{"date": "2026-12-31", "end": "13:00"}]},
     "holidays[0]", ["both start and end"]),
    ("holiday on a date that does not exist",
     {"holidays": [{"date": "2026-02-30"}]}, "holidays[0].date", []),
    ("span starting where it ends",
     {"hours": [{"day": "monday", "start": "09:00", "end": "09:00"}]},
     "hours[0].end", ["equals start"]),
    ("hour 25", {"hours": [{"day": "monday", "start": "25:00", "end": "17:00"}]},
     "hours[0].start", ["time of day"]),
    ("minute 60", {"hours": [{"day": "monday", "start": "09:00", "end": "17:60"}]},
     "hours[0].end", ["time of day"]),
    ("not HH:MM", {"hours": [{"day": "monday", "start": "9am", "end": "17:00"}]},
     "hours[0].start", ["time of day"]),
    ("a span starting at 24:00",
     {"hours": [{"day": "monday", "start": "24:00", "end": "02:00"}]},
     "hours[0].start", ["before 24:00"]),
    ("no such weekday", {"hours": [{"day": "funday", "start": "09:00", "end": "17:00"}]},
     "hours[0].day", []),
    ("short days overlapping on one date",
     {"short_days": [{"date": "2026-12-24", "start": "09:00", "end": "13:00"},
                     {"date": "2026-12-24", "start": "12:00", "end": "15:00"}]},
     "short_days[1]", ["short_days[0]", "2026-12-24 09:00-13:00"]),
    ("short day starting where it ends",
     {"short_days": [{"date": "2026-12-24", "start": "10:00", "end": "10:00"}]},
     "short_days[0].end", ["equals start"]),
    ("blank name", {"name": "   "}, "name", ["blank"]),
]


@pytest.mark.parametrize("change,field,words", [c[1:] for c in BAD_CALENDARS],
                         ids=[c[0] for c in BAD_CALENDARS])
def test_bad_calendar_is_422_naming_the_span_and_stores_nothing(admin, change, field, words):
    create(admin, "calendars", OFFICE)  # something to keep
    with NothingWritten(admin, "calendars"):
        assert_problem(admin.post(f"{API}/calendars", {**OFFICE, **change}), 422, field, *words)


def test_calendar_patch_needs_if_match_and_a_bad_patch_changes_nothing(admin):
    calendar = create(admin, "calendars", OFFICE)
    path = f"{API}/calendars/{calendar['id']}"
    assert admin.patch(path, {"name": "x"}).status_code == 428
    assert admin.patch(path, {"name": "x"}, etag='"7"').status_code == 412
    bad_patches = [
        ({"hours": OFFICE["hours"] + [{"day": "friday", "start": "08:00", "end": "09:30"}]},
         "hours[5]", ["hours[4]"]),
        ({"time_zone": "Europe/Atlantis"}, "time_zone", []),
        ({"holidays": [{"date": "2026-05-01", "start": "12:00"}]}, "holidays[0]", []),
        ({"short_days": [{"date": "2026-12-31", "start": "09:00", "end": "12:00"},
                         {"date": "2026-12-31", "start": "11:59", "end": "12:30"}]},
         "short_days[1]", ["short_days[0]"]),
        ({"hours": [{"day": "monday", "start": "09:00", "end": "25:00"}]}, "hours[0].end", []),
    ]
    for body, field, words in bad_patches:
        with NothingWritten(admin, "calendars"):
            assert_problem(admin.patch(path, body, etag=etag_of(calendar)), 422, field, *words)
    assert read(admin, "calendars", calendar["id"]) == calendar

    good = admin.patch(path, {"name": "Paris (summer)",
                              "hours": [{"day": "monday", "start": "08:00", "end": "12:00"}]},
                       etag=etag_of(calendar))
    assert good.status_code == 200, good.text
    assert good.headers["ETag"] == '"2"'
    got = read(admin, "calendars", calendar["id"])
    assert got["version"] == 2 and got["name"] == "Paris (summer)"
    assert got["hours"] == [{"day": "monday", "start": "08:00", "end": "12:00"}]
    assert got["time_zone"] == "Europe/Paris"  # a merge patch leaves the rest alone
    updates = [e for e in all_events(admin)
               if e["entity"] == "calendar" and e["entity_id"] == calendar["id"]]
    assert [e["action"] for e in updates] == ["created", "updated"]


# ---- 2. SLA policies ----------------------------------------------------------------------

BAD_POLICIES = [
    ("zero minutes", {"targets": [{"metric": "first_response", "minutes": 0}]},
     "targets[0].minutes", ["more than 0"]),
    ("negative minutes", {"targets": [{"metric": "first_response", "minutes": 60},
                                      {"metric": "resolution", "minutes": -30}]},
     "targets[1].minutes", ["more than 0"]),
    ("warning equal to the target",
     {"targets": [{"metric": "first_response", "minutes": 60, "warning_minutes": 60}]},
     "targets[0].warning_minutes", ["less than minutes"]),
    ("warning above the target",
     {"targets": [{"metric": "resolution", "minutes": 60, "warning_minutes": 90}]},
     "targets[0].warning_minutes", []),
    ("negative warning",
     {"targets": [{"metric": "resolution", "minutes": 60, "warning_minutes": -1}]},
     "targets[0].warning_minutes", []),
    ("a metric twice",
     {"targets": [{"metric": "first_response", "minutes": 60},
                  {"metric": "first_response", "minutes": 30}]},
     "targets[1].metric", ["targets[0]"]),
    ("paused by resolved",
     {"targets": [{"metric": "resolution", "minutes": 60,
                   "paused_by": ["pending_customer", "resolved"]}]},
     "targets[0].paused_by[1]", ["resolved"]),
    ("paused by closed",
     {"targets": [{"metric": "next_response", "minutes": 60, "paused_by": ["closed"]}]},
     "targets[0].paused_by[0]", []),
    ("no targets", {"targets": []}, "targets", ["at least one"]),
    ("no such metric", {"targets": [{"metric": "first_reply", "minutes": 5}]},
     "targets[0].metric", []),
    ("no such status", {"targets": [{"metric": "resolution", "minutes": 5,
                                     "paused_by": ["on_hold"]}]},
     "targets[0].paused_by[0]", []),
    ("unknown calendar", {"calendar_id": 999}, "calendar_id", ["999"]),
    ("unknown queue", {"queue_ids": [999]}, "queue_ids[0]", ["999"]),
    ("no such priority", {"priorities": ["critical"]}, "priorities[0]", []),
]


@pytest.mark.parametrize("change,field,words", [c[1:] for c in BAD_POLICIES],
                         ids=[c[0] for c in BAD_POLICIES])
def test_bad_policy_is_422_naming_the_target_and_stores_nothing(admin, change, field, words):
    body = {"name": "Gold", "targets": [{"metric": "first_response", "minutes": 60}]}
    create(admin, "sla_policies", body)
    with NothingWritten(admin, "sla_policies"):
        assert_problem(admin.post(f"{API}/sla_policies", {**body, **change}), 422, field, *words)


def test_bad_policy_patch_changes_nothing_not_even_clocks(admin, account):
    policy = policy_24x7(admin)
    case = open_case(admin, account)
    before = clocks_of(read(admin, "cases", case["id"]))
    path = f"{API}/sla_policies/{policy['id']}"
    for body, field in [({"targets": [{"metric": "first_response", "minutes": 0}]},
                         "targets[0].minutes"),
                        ({"calendar_id": 12345}, "calendar_id"),
                        ({"targets": [{"metric": "resolution", "minutes": 5,
                                       "paused_by": ["closed"]}]}, "targets[0].paused_by[0]")]:
        with NothingWritten(admin, "sla_policies", "calendars"):
            assert_problem(admin.patch(path, body, etag=etag_of(policy)), 422, field)
    assert read(admin, "sla_policies", policy["id"]) == policy
    after = clocks_of(read(admin, "cases", case["id"]))
    assert {m: (c["target_minutes"], c["due_at"]) for m, c in after.items()} == \
        {m: (c["target_minutes"], c["due_at"]) for m, c in before.items()}


def test_first_matching_policy_by_position_then_id(admin, account):
    def fr(minutes):
        return [{"metric": "first_response", "minutes": minutes, "business_time": False}]

    late = create(admin, "sla_policies", {"name": "Catch-all", "position": 20,
                                          "targets": fr(300)})
    create(admin, "sla_policies", {"name": "Off", "position": 0, "active": False,
                                   "targets": fr(1)})
    urgent = create(admin, "sla_policies", {"name": "Urgent", "position": 1,
                                            "priorities": ["urgent"], "targets": fr(5)})
    create(admin, "sla_policies", {"name": "Strategic", "position": 5,
                                   "segments": ["strategic"], "targets": fr(7)})
    create(admin, "sla_policies", {"name": "Phone", "position": 6, "channels": ["phone"],
                                   "targets": fr(8)})
    standard = create(admin, "sla_policies", {"name": "Standard", "position": 10,
                                              "segments": ["standard"], "targets": fr(100)})
    normal = open_case(admin, account)
    hot = open_case(admin, account, priority="urgent")

    def first_response(case):
        clock = clocks_of(read(admin, "cases", case["id"]))["first_response"]
        assert ts(clock["due_at"]) == ts(case["created_at"]) + \
            timedelta(minutes=clock["target_minutes"])
        return clock["policy_id"], clock["target_minutes"]

    assert first_response(normal) == (standard["id"], 100)
    assert first_response(hot) == (urgent["id"], 5)
    # Same position as the catch-all: the lower id (the catch-all) comes first.
    standard = patch(admin, "sla_policies", standard, {"position": 20})
    assert first_response(normal) == (late["id"], 300)
    standard = patch(admin, "sla_policies", standard, {"position": 19})
    assert first_response(normal) == (standard["id"], 100)
    patch(admin, "sla_policies", standard, {"active": False})
    assert first_response(normal) == (late["id"], 300)
    assert first_response(hot) == (urgent["id"], 5)


# ---- 3. clocks on every case answer ---------------------------------------------------------

def test_case_answers_carry_running_clocks_24x7(admin, account):
    policy = policy_24x7(admin)
    response = admin.post(f"{API}/cases", {"account_id": account["id"], "subject": "No dial tone"})
    assert response.status_code == 201, response.text
    posted = response.json()
    created = ts(posted["created_at"])

    def check(case):
        clocks = clocks_of(case)
        assert set(clocks) == {"first_response", "resolution"}  # no customer message yet
        assert_running(clocks["first_response"], policy=policy, minutes=60,
                       due=created + timedelta(minutes=60))
        assert_running(clocks["resolution"], policy=policy, minutes=480,
                       due=created + timedelta(minutes=480))
        for metric, minutes in (("first_response", 60), ("resolution", 480)):
            clock = clocks[metric]
            assert clock["business_time"] is False
            assert ts(clock["started_at"]) == created
            assert clock["pauses"] == [] and clock["cycles"] == 1
            assert minutes * 60 - 30 <= clock["remaining_seconds"] <= minutes * 60
            assert 0 <= clock["elapsed_seconds"] <= 30
            assert clock["warned_at"] is None

    check(posted)
    check(read(admin, "cases", posted["id"]))
    listed = [c for c in list_all(admin, "cases", account_id=account["id"])]
    assert [c["id"] for c in listed] == [posted["id"]]
    check(listed[0])
    patched = patch(admin, "cases", posted, {"category": "telephony"})
    check(patched)
    opened = patch(admin, "cases", patched, {"status": "open"})  # new → open: no pause
    check(opened)


def test_case_without_a_matching_policy_has_no_clocks(admin, account):
    policy_24x7(admin, segments=["strategic"])
    case = open_case(admin, account)
    assert case["clocks"] == []
    assert read(admin, "cases", case["id"])["clocks"] == []


def test_business_calendar_due_falls_inside_the_span(admin, account):
    zone = "America/New_York"
    day = weekday_ahead(zone, 3)
    hours = [{"day": day, "start": "10:00", "end": "12:00"}]
    calendar = create(admin, "calendars", {"name": "Thin", "time_zone": zone, "hours": hours})
    policy = create(admin, "sla_policies", {
        "name": "Business", "calendar_id": calendar["id"],
        "targets": [{"metric": "first_response", "minutes": 30},
                    {"metric": "resolution", "minutes": 180}]})  # spills into a later week
    case = open_case(admin, account)
    created = ts(case["created_at"])
    clocks = clocks_of(read(admin, "cases", case["id"]))

    first = clocks["first_response"]
    due = business_due(created, 30, zone, hours)
    assert_running(first, policy=policy, minutes=30, due=due, calendar=calendar)
    assert first["business_time"] is True
    local = ts(first["due_at"]).astimezone(ZoneInfo(zone))
    assert WEEKDAYS[local.weekday()] == day and local.time() == clock_time(10, 30), local
    assert timedelta(days=1) < ts(first["due_at"]) - created < timedelta(days=8)
    # None of its hours has passed yet, so nothing is counted and all is left.
    assert first["elapsed_seconds"] == 0 and first["remaining_seconds"] == 30 * 60

    resolution = clocks["resolution"]
    due = business_due(created, 180, zone, hours)
    assert_running(resolution, policy=policy, minutes=180, due=due, calendar=calendar)
    local = ts(resolution["due_at"]).astimezone(ZoneInfo(zone))
    assert WEEKDAYS[local.weekday()] == day and local.time() == clock_time(11, 0), local
    assert ts(resolution["due_at"]) - ts(first["due_at"]) > timedelta(days=6)


def test_account_business_calendar_counts_when_the_policy_names_none(admin, account):
    zone = "Australia/Sydney"
    hours = [{"day": weekday_ahead(zone, 4), "start": "13:00", "end": "15:00"}]
    calendar = create(admin, "calendars", {"name": "Sydney", "time_zone": zone, "hours": hours})
    policy = create(admin, "sla_policies", {
        "name": "Business", "targets": [{"metric": "first_response", "minutes": 90}]})
    case = open_case(admin, account)
    created = ts(case["created_at"])
    assert_running(clocks_of(read(admin, "cases", case["id"]))["first_response"],
                   policy=policy, minutes=90, due=created + timedelta(minutes=90))
    patch(admin, "accounts", account, {"business_calendar_id": calendar["id"]})
    assert_running(clocks_of(read(admin, "cases", case["id"]))["first_response"],
                   policy=policy, minutes=90, due=business_due(created, 90, zone, hours),
                   calendar=calendar)


# ---- 4. pausing -----------------------------------------------------------------------------

def test_pending_customer_pauses_resolution_and_open_resumes_it(admin, account):
    policy = policy_24x7(admin)
    case = open_case(admin, account)
    created = ts(case["created_at"])

    paused = patch(admin, "cases", case, {"status": "pending_customer"})
    paused_at = ts(paused["updated_at"])
    for answer in (paused, read(admin, "cases", case["id"])):
        clocks = clocks_of(answer)
        resolution = clocks["resolution"]
        assert resolution["state"] == "paused", resolution
        assert resolution["due_at"] is None
        assert len(resolution["pauses"]) == 1
        assert ts(resolution["pauses"][0]["from"]) == paused_at
        assert resolution["pauses"][0]["to"] is None
        # By default nothing pauses the first response.
        assert_running(clocks["first_response"], policy=policy, minutes=60,
                       due=created + timedelta(minutes=60))
    time.sleep(0.05)  # a pause long enough to see in milliseconds
    resumed = patch(admin, "cases", paused, {"status": "open"})
    resumed_at = ts(resumed["updated_at"])
    assert resumed_at > paused_at
    for answer in (resumed, read(admin, "cases", case["id"])):
        resolution = clocks_of(answer)["resolution"]
        assert_running(resolution, policy=policy, minutes=480,
                       due=created + timedelta(minutes=480) + (resumed_at - paused_at))
        assert [(ts(p["from"]), ts(p["to"])) for p in resolution["pauses"]] == \
            [(paused_at, resumed_at)]


def test_paused_by_names_the_statuses_that_pause_a_clock(admin, account):
    policy = policy_24x7(admin, targets=[
        {"metric": "first_response", "minutes": 60, "paused_by": ["pending_internal"]},
        {"metric": "resolution", "minutes": 480}])
    case = open_case(admin, account)
    case = patch(admin, "cases", case, {"status": "pending_internal"})
    clocks = clocks_of(case)
    assert clocks["first_response"]["state"] == "paused"
    assert clocks["resolution"]["state"] == "running"  # default: only pending_customer
    case = patch(admin, "cases", case, {"status": "pending_customer"})
    clocks = clocks_of(case)
    assert clocks["first_response"]["state"] == "running"
    assert clocks["first_response"]["pauses"][0]["to"] == case["updated_at"]
    assert clocks["resolution"]["state"] == "paused"
    assert clocks["first_response"]["policy_id"] == policy["id"]


# ---- 5. responses -----------------------------------------------------------------------------

def test_moving_a_contact_between_cases_moves_its_response(admin, account):
    """An edited contact counts on the case it is on now, and no longer on the other."""
    policy_24x7(admin)
    first, second = open_case(admin, account), open_case(admin, account)
    reply = create(admin, "interactions", contact(first, "outbound", now_ms(), n=1))
    assert clocks_of(read(admin, "cases", first["id"]))["first_response"]["state"] == "met"
    assert clocks_of(read(admin, "cases", second["id"]))["first_response"]["state"] == "running"
    patch(admin, "interactions", reply, {"case_id": second["id"]})
    assert clocks_of(read(admin, "cases", first["id"]))["first_response"]["state"] == "running"
    assert clocks_of(read(admin, "cases", second["id"]))["first_response"]["state"] == "met"


def test_response_meets_first_response_and_a_later_message_starts_next_response(
        admin, account):
    """Each contact reaches the case's live clocks as soon as it is acknowledged."""
    policy = policy_24x7(admin)
    case = open_case(admin, account)
    created = ts(case["created_at"])

    def clocks_after(body):
        create(admin, "interactions", body)
        return clocks_of(read(admin, "cases", case["id"]))

    # A customer message before any response starts nothing new.
    clocks = clocks_after(contact(case, "inbound", n=1))
    assert set(clocks) == {"first_response", "resolution"}
    assert clocks["first_response"]["state"] == "running"

    replied = now_ms()
    clocks = clocks_after(contact(case, "outbound", replied, n=2))
    first = clocks["first_response"]
    assert first["state"] == "met", first
    assert ts(first["met_at"]) == replied
    assert ts(first["due_at"]) == created + timedelta(minutes=60)  # the due it met
    assert first["breached_at"] is None and first["policy_id"] == policy["id"]
    assert "next_response" not in clocks  # nobody has written since
    assert clocks["resolution"]["state"] == "running"  # a response does not resolve

    time.sleep(0.01)
    asked = now_ms()
    clocks = clocks_after(contact(case, "inbound", asked, n=3))
    following = clocks["next_response"]
    assert_running(following, policy=policy, minutes=30, due=asked + timedelta(minutes=30))
    assert following["cycles"] == 1 and ts(following["started_at"]) == asked
    assert clocks["first_response"]["state"] == "met"
    assert ts(clocks["first_response"]["met_at"]) == replied

    time.sleep(0.01)
    answered = now_ms()
    following = clocks_after(contact(case, "outbound", answered, n=4))["next_response"]
    assert following["state"] == "met" and ts(following["met_at"]) == answered
    assert following["cycles"] == 1 and following["breaches"] == 0

    time.sleep(0.01)
    again = now_ms()
    following = clocks_after(contact(case, "inbound", again, n=5))["next_response"]
    assert following["state"] == "running" and following["cycles"] == 2
    assert ts(following["due_at"]) == again + timedelta(minutes=30)


# ---- 6. resolution keeps clocks -----------------------------------------------------------------

def test_resolved_case_keeps_its_clocks_and_a_reopened_one_runs_again(admin, account):
    policy = policy_24x7(admin)
    resolved_case = open_case(admin, account, subject="Resolved soon")
    open_one = open_case(admin, account, subject="Stays open")
    replied = now_ms()
    create(admin, "interactions", contact(resolved_case, "outbound", replied))
    time.sleep(0.01)

    resolved = patch(admin, "cases", read(admin, "cases", resolved_case["id"]),
                     {"status": "resolved"})
    assert resolved["resolved_at"] is not None
    kept = clocks_of(resolved)
    assert kept["first_response"]["state"] == "met"
    assert ts(kept["first_response"]["met_at"]) == replied
    assert kept["resolution"]["state"] == "met"
    assert kept["resolution"]["met_at"] == resolved["resolved_at"]
    assert kept["resolution"]["target_minutes"] == 480
    stored = read(admin, "cases", resolved_case["id"])
    assert stored["clocks"] == resolved["clocks"]

    # Today's targets change: the resolved case keeps what it had; the open one moves.
    policy = patch(admin, "sla_policies", policy, {"targets": [
        {"metric": "first_response", "minutes": 90, "business_time": False},
        {"metric": "resolution", "minutes": 900, "business_time": False}]})
    assert read(admin, "cases", resolved_case["id"])["clocks"] == stored["clocks"]
    listed = {c["id"]: c for c in list_all(admin, "cases", account_id=account["id"])}
    assert listed[resolved_case["id"]]["clocks"] == stored["clocks"]
    moved = clocks_of(read(admin, "cases", open_one["id"]))
    assert_running(moved["resolution"], policy=policy, minutes=900,
                   due=ts(open_one["created_at"]) + timedelta(minutes=900))
    assert moved["first_response"]["target_minutes"] == 90

    # Reopened: live clocks again; the first response stays met, resolution runs on.
    time.sleep(0.02)
    reopened = patch(admin, "cases", stored, {"status": "open"})
    assert reopened["resolved_at"] is None
    for answer in (reopened, read(admin, "cases", resolved_case["id"])):
        live = clocks_of(answer)
        assert live["first_response"]["state"] == "met"
        assert ts(live["first_response"]["met_at"]) == replied
        assert live["first_response"]["target_minutes"] == 90
        resolution = live["resolution"]
        assert resolution["state"] == "running" and resolution["met_at"] is None
        assert resolution["target_minutes"] == 900
        # Resumes where it stopped: the resolved stretch is not counted. (A millisecond
        # of slack: resolved_at and the status change's recorded instant come from two
        # readings of the clock and can differ by one.)
        counted = ts(resolved["resolved_at"]) - ts(resolved_case["created_at"])
        expected = ts(reopened["updated_at"]) + timedelta(minutes=900) - counted
        assert abs(ts(resolution["due_at"]) - expected) <= timedelta(milliseconds=5), \
            (resolution, iso(expected))


def test_closing_a_resolved_case_keeps_its_clocks(admin, account):
    policy = policy_24x7(admin)
    case = open_case(admin, account)
    resolved = patch(admin, "cases", case, {"status": "resolved"})
    closed = patch(admin, "cases", resolved, {"status": "closed"})
    assert closed["clocks"] == resolved["clocks"] and resolved["clocks"]
    patch(admin, "sla_policies", policy, {"active": False})
    assert read(admin, "cases", case["id"])["clocks"] == resolved["clocks"]


# ---- 7. priority change -----------------------------------------------------------------------

def test_priority_change_recomputes_from_the_opening_under_the_new_policy(admin, account):
    urgent = policy_24x7(admin, name="Urgent", position=1, priorities=["urgent"], targets=[
        {"metric": "first_response", "minutes": 15},
        {"metric": "resolution", "minutes": 120}])
    default = policy_24x7(admin, name="Default", position=2, targets=[
        {"metric": "first_response", "minutes": 240},
        {"metric": "resolution", "minutes": 2400}])
    case = open_case(admin, account)
    created = ts(case["created_at"])
    assert_running(clocks_of(case)["first_response"], policy=default, minutes=240,
                   due=created + timedelta(minutes=240))
    time.sleep(0.02)
    escalated = patch(admin, "cases", case, {"priority": "urgent"})
    for answer in (escalated, read(admin, "cases", case["id"])):
        clocks = clocks_of(answer)
        assert_running(clocks["first_response"], policy=urgent, minutes=15,
                       due=created + timedelta(minutes=15))
        assert_running(clocks["resolution"], policy=urgent, minutes=120,
                       due=created + timedelta(minutes=120))
        assert ts(clocks["resolution"]["started_at"]) == created


# ---- 8. calendar change -----------------------------------------------------------------------

def test_calendar_edit_moves_an_open_cases_due(admin, account):
    zone = "Europe/Berlin"
    hours = [{"day": weekday_ahead(zone, 3), "start": "09:00", "end": "17:00"}]
    calendar = create(admin, "calendars", {"name": "Berlin", "time_zone": zone, "hours": hours})
    policy = create(admin, "sla_policies", {
        "name": "Business", "calendar_id": calendar["id"],
        "targets": [{"metric": "first_response", "minutes": 60}]})
    case = open_case(admin, account)
    created = ts(case["created_at"])
    before = clocks_of(read(admin, "cases", case["id"]))["first_response"]
    assert_running(before, policy=policy, minutes=60, calendar=calendar,
                   due=business_due(created, 60, zone, hours))

    new_hours = [{"day": weekday_ahead(zone, 4), "start": "13:00", "end": "14:00"}]
    patch(admin, "calendars", calendar, {"hours": new_hours})
    after = clocks_of(read(admin, "cases", case["id"]))["first_response"]
    due = business_due(created, 60, zone, new_hours)
    assert_running(after, policy=policy, minutes=60, calendar=calendar, due=due)
    assert ts(after["due_at"]).astimezone(ZoneInfo(zone)).time() == clock_time(14, 0)
    assert after["due_at"] != before["due_at"]

    # A zone change moves it again: the same wall-clock hours, another instant.
    calendar = read(admin, "calendars", calendar["id"])
    patch(admin, "calendars", calendar, {"time_zone": "Asia/Kolkata"})
    moved = clocks_of(read(admin, "cases", case["id"]))["first_response"]
    assert ts(moved["due_at"]) == business_due(created, 60, "Asia/Kolkata", new_hours)


# ---- 9. /api/v1/sla/at-risk ---------------------------------------------------------------------

def at_risk(client, query=""):
    response = client.get(f"{API}/sla/at-risk{query}")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_at_risk_is_sorted_by_due_and_within_includes_clocks_due_soon(admin, account):
    policy_24x7(admin, name="Urgent", position=1, priorities=["urgent"], targets=[
        {"metric": "first_response", "minutes": 10}, {"metric": "resolution", "minutes": 600}])
    policy_24x7(admin, name="High", position=2, priorities=["high"], targets=[
        {"metric": "first_response", "minutes": 30}, {"metric": "resolution", "minutes": 700}])
    policy_24x7(admin, name="Normal", position=3, targets=[
        {"metric": "first_response", "minutes": 120}, {"metric": "resolution", "minutes": 800}])
    normal = open_case(admin, account, subject="normal")
    urgent = open_case(admin, account, subject="urgent", priority="urgent")
    high = open_case(admin, account, subject="high", priority="high")
    paused = open_case(admin, account, subject="paused", priority="urgent")
    patch(admin, "cases", paused, {"status": "pending_customer"})

    assert at_risk(admin) == []  # nothing breached or warned, and within defaults to 0
    items = at_risk(admin, "?within=10080")
    dues = [ts(item["clock"]["due_at"]) for item in items]
    assert dues == sorted(dues)
    assert [(item["case"]["id"], item["clock"]["metric"]) for item in items] == [
        (urgent["id"], "first_response"), (paused["id"], "first_response"),
        (high["id"], "first_response"), (normal["id"], "first_response"),
        (urgent["id"], "resolution"), (high["id"], "resolution"),
        (normal["id"], "resolution")]  # the paused resolution has no due instant
    first = items[0]
    assert first["case"] == {"id": urgent["id"], "subject": "urgent",
                             "account_id": account["id"], "priority": "urgent",
                             "status": "open", "queue_id": None, "vendor_id": None,
                             "assignee_id": None}
    assert first["clock"]["due_at"] == clocks_of(urgent)["first_response"]["due_at"]
    assert first["clock"]["state"] == "running" and first["clock"]["target_minutes"] == 10

    # A clock due in just under 30 minutes is within 30, not within 29.
    soon = [(i["case"]["id"], i["clock"]["metric"]) for i in at_risk(admin, "?within=30")]
    assert soon == [(urgent["id"], "first_response"), (paused["id"], "first_response"),
                    (high["id"], "first_response")]
    soon = [(i["case"]["id"], i["clock"]["metric"]) for i in at_risk(admin, "?within=29")]
    assert soon == [(urgent["id"], "first_response"), (paused["id"], "first_response")]
    assert len(at_risk(admin, "?within=10080&limit=2")) == 2
    assert len(at_risk(admin, "?limit=500&within=1")) == 0

    # A resolved case leaves the list.
    patch(admin, "cases", read(admin, "cases", urgent["id"]), {"status": "resolved"})
    assert urgent["id"] not in {i["case"]["id"] for i in at_risk(admin, "?within=10080")}


@pytest.mark.parametrize("query,field", [
    ("?within=-1", "within"),
    ("?within=abc", "within"),
    ("?within=10081", "within"),
    ("?within=1.5", "within"),
    ("?within=", "within"),
    ("?limit=0", "limit"),
    ("?limit=501", "limit"),
    ("?limit=x", "limit"),
    ("?withn=10", "withn"),
    ("?within=10&vendor_id=1", "vendor_id"),
])
def test_at_risk_bad_parameter_is_400_naming_it(admin, query, field):
    assert_problem(admin.get(f"{API}/sla/at-risk{query}"), 400, field)


def test_at_risk_within_zero_is_the_default(admin):
    response = admin.get(f"{API}/sla/at-risk?within=0")
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


def test_at_risk_vendor_agent_sees_only_its_vendors_cases(world, admin):
    fast = policy_24x7(admin, name="Fast", position=1, targets=[
        {"metric": "first_response", "minutes": 30}, {"metric": "resolution", "minutes": 45}])
    house = open_case(admin, world["account"], subject="In-house",
                      queue_id=world["queue_house"]["id"])
    clients = world["clients"]
    a, b = world["case_a"]["id"], world["case_b"]["id"]
    va, vb = world["vendor_a"]["id"], world["vendor_b"]["id"]

    def seen(role):
        items = at_risk(clients[role], "?within=60")
        dues = [ts(i["clock"]["due_at"]) for i in items]
        assert dues == sorted(dues)
        return {(i["case"]["id"], i["case"]["vendor_id"], i["clock"]["metric"]) for i in items}

    everything = seen("admin")
    # Every open case has a clock due within the hour (which ones depends on whether
    # case_a's answered call already counts; see the live variant of
    # test_response_meets_first_response_and_a_later_message_starts_next_response).
    assert {(case, vendor) for case, vendor, _ in everything} == \
        {(a, va), (b, vb), (house["id"], None)}
    assert (b, vb, "first_response") in everything and (a, va, "resolution") in everything
    for role in ("manager", "agent", "viewer"):
        assert seen(role) == everything, role
    assert seen("vendor_a") == {item for item in everything if item[0] == a}
    assert seen("vendor_b") == {item for item in everything if item[0] == b}
    # The vendor's own case read through the API carries the same live clocks.
    case_a = clients["vendor_a"].get(f"{API}/cases/{a}").json()
    assert {c["metric"] for c in case_a["clocks"]} >= {"first_response", "resolution"}
    assert all(c["policy_id"] == fast["id"] for c in case_a["clocks"])
    assert clients["vendor_a"].get(f"{API}/cases/{b}").status_code == 404


# ---- 10. the background recorder (the one slow test) -------------------------------------------

def wait_for(predicate, deadline, step=0.25):
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(step)


def sla_events(client, case_id):
    return case_events(client, case_id, "sla_warning", "sla_breached")


def test_warnings_and_breaches_are_recorded_as_they_happen_and_once(server, admin, account):
    """First response: 1 calendar minute, no warning; resolution: 2 minutes, warned with 1
    left. So at +60 s each case gets an sla_breached (first_response) and an sla_warning
    (resolution). Case x is due while the server runs; the server is then stopped before
    case y is due and restarted after: y's events are recorded at start-up, and x's are not
    recorded again."""
    policy = policy_24x7(admin, name="One minute", targets=[
        {"metric": "first_response", "minutes": 1, "warning_minutes": 0},
        {"metric": "resolution", "minutes": 2, "warning_minutes": 1}])
    x = open_case(admin, account, subject="x")
    time.sleep(3)
    y = open_case(admin, account, subject="y")
    x_due = ts(x["created_at"]) + timedelta(minutes=1)
    y_due = ts(y["created_at"]) + timedelta(minutes=1)

    def check(events, case, due):
        by_action = sorted((e["action"], e["change"]["metric"], e["change"]["cycle"])
                           for e in events)
        assert by_action == [("sla_breached", "first_response", 1),
                             ("sla_warning", "resolution", 1)], events
        for e in events:
            assert e["entity"] == "case" and e["entity_id"] == case["id"]
            assert ts(e["at"]) == due, e  # the instant it happened, not when it was written
            assert ts(e["change"]["at"]) == due, e

    # Nobody reads the cases: only the event log is polled.
    deadline = x_due.timestamp() + 5
    events = wait_for(lambda: len(sla_events(admin, x["id"])) >= 2 and sla_events(admin, x["id"]),
                      deadline)
    seen_at = time.time()
    assert events, "no sla_breached/sla_warning recorded for case x within 5 s of its due"
    assert seen_at <= deadline + 1
    check(events, x, x_due)
    assert sla_events(admin, y["id"]) == []  # y is not due yet

    # The case and the at-risk list agree with the log.
    items = at_risk(admin)
    x_items = {i["clock"]["metric"]: i["clock"] for i in items if i["case"]["id"] == x["id"]}
    assert x_items["first_response"]["state"] == "breached"
    assert ts(x_items["first_response"]["breached_at"]) == x_due
    assert x_items["resolution"]["state"] == "running"
    assert ts(x_items["resolution"]["warned_at"]) == x_due
    assert x_items["first_response"]["policy_id"] == policy["id"]

    # Down before y is due, up again after.
    token = admin.session.headers["Authorization"].split(" ", 1)[1]
    admin.session.close()
    assert server.stop() == 0
    stopped = datetime.now(UTC)
    assert stopped < y_due, "the server took too long to stop; y fell due while it ran"
    time.sleep(max(0.0, (y_due - datetime.now(UTC)).total_seconds()) + 1.0)
    again = Server(server.data_dir).start()
    client = Client(again.base, token)
    try:
        events = wait_for(lambda: len(sla_events(client, y["id"])) >= 2 and
                          sla_events(client, y["id"]), time.time() + 10)
        assert events, "the restarted server did not record what fell due while it was down"
        check(events, y, y_due)
        time.sleep(1)
        check(sla_events(client, x["id"]), x, x_due)  # still exactly one of each
        check(sla_events(client, y["id"]), y, y_due)
        case = client.get(f"{API}/cases/{y['id']}").json()
        assert clocks_of(case)["first_response"]["state"] == "breached"
        # Resolving and reopening records nothing again: the log already has both.
        for status in ("open", "resolved", "open"):
            case = patch(client, "cases", case, {"status": status})
        assert clocks_of(case)["first_response"]["state"] == "breached"
        time.sleep(1.5)
        check(sla_events(client, y["id"]), y, y_due)
    finally:
        client.session.close()
        again.stop()


# ---- 11. rapport sla explain ----------------------------------------------------------------------

def explain(server, *args):
    return subprocess.run([RAPPORT_BIN, "--data", server.data_dir, "sla", "explain", *args],
                          capture_output=True, text=True, timeout=60)


def test_sla_explain_names_policy_calendar_clocks_and_status_changes(server, admin, account):
    zone = "Europe/Lisbon"
    calendar = create(admin, "calendars", {
        "name": "Lisbon desk", "time_zone": zone,
        "hours": [{"day": d, "start": "08:00", "end": "18:00"} for d in WEEKDAYS]})
    policy = create(admin, "sla_policies", {
        "name": "Premium", "calendar_id": calendar["id"],
        "targets": [{"metric": "first_response", "minutes": 45, "warning_minutes": 10},
                    {"metric": "next_response", "minutes": 25},
                    {"metric": "resolution", "minutes": 600, "business_time": False}]})
    case = open_case(admin, account, subject="Cannot log in")
    case = patch(admin, "cases", case, {"status": "pending_customer"})
    case = patch(admin, "cases", case, {"status": "open"})

    result = explain(server, str(case["id"]))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for words in (f'Case {case["id"]} "Cannot log in"',
                  f'Policy {policy["id"]} "Premium"',
                  f'calendar {calendar["id"]} "Lisbon desk" ({zone})',
                  "first_response: target 45 business minutes, warning 10 minutes",
                  "next_response: target 25 business minutes",
                  "resolution: target 600 calendar minutes",
                  "status open → pending_customer",
                  "status pending_customer → open"):
        assert words in text, f"{words!r} not in:\n{text}"

    # As of an instant: the first line says which.
    at = iso(ts(case["created_at"]) + timedelta(hours=1))
    result = explain(server, str(case["id"]), "--at", at)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"As of {at}")

    # A resolved case also shows what it keeps.
    resolved = patch(admin, "cases", case, {"status": "resolved"})
    result = explain(server, str(case["id"]))
    assert result.returncode == 0, result.stderr
    assert "Recorded at the resolution" in result.stdout
    assert resolved["clocks"]


def test_sla_explain_unknown_case_or_bad_instant_fails(server, admin, account):
    policy_24x7(admin)
    case = open_case(admin, account)
    result = explain(server, "99999")
    assert result.returncode != 0
    assert "case 99999 not found" in result.stderr
    assert result.stdout == ""
    for bad in ("yesterday", "2026-13-01T00:00:00Z", "2026-01-01 10:00"):
        result = explain(server, str(case["id"]), "--at", bad)
        assert result.returncode != 0, bad
        assert "--at" in result.stderr, result.stderr
    for bad in ("0", "-3", "abc"):
        result = explain(server, bad)
        assert result.returncode != 0, bad
