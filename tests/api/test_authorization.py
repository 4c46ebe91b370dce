"""Authorization: the role matrix (every role x every route, read from the server's own
OpenAPI document) and the vendor visibility rules of the data contract.

Black-box: everything goes through HTTP against a real `rapport serve`."""
import datetime
import itertools

import pytest

from conftest import create, event_count, record_of

ROLES = ["admin", "manager", "agent", "vendor_agent", "viewer"]
IN_HOUSE = ["admin", "manager", "agent", "viewer"]
COLLECTIONS = ["users", "vendors", "queues", "accounts", "people", "agreements", "cases",
               "interactions", "calendars", "sla_policies"]
PUBLIC = {("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/api/v1/openapi.json"),
          ("POST", "/api/v1/session")}
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
UNKNOWN_TOKEN = "f" * 64
MISSING = 999999
SIGN_IN_PASSWORD = "matrix password 1"
ARRIVED = "2025-03-05T08:00:00Z"

_serial = itertools.count(1)


def serial():
    return next(_serial)


# ---- helpers ----------------------------------------------------------------------------

def client_for(world, role):
    """The client acting as `role`; the vendor_agent role is played by vendor A's agent."""
    return world["clients"]["vendor_a" if role == "vendor_agent" else role]


def openapi(server):
    response = server.client().get("/api/v1/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


def operations(doc):
    """(METHOD, path pattern, operation object) for every operation of the document."""
    out = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            out.append((method.upper(), path, op))
    return sorted(out, key=lambda o: (o[1], o[0]))


def is_problem(response, status):
    ctype = response.headers.get("Content-Type", "")
    if response.status_code != status or not ctype.startswith("application/problem+json"):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return body.get("status") == status


def list_all(client, path, limit=500):
    """Every item of a list, following next_cursor."""
    items, cursor = [], None
    sep = "&" if "?" in path else "?"
    for _ in range(10_000):
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items
    raise AssertionError(f"{path} never stopped paging")


def ids(items):
    return {item["id"] for item in items}


def field_names(response):
    return {e.get("field") for e in response.json().get("errors", [])}


def user_id(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 200, response.text
    return response.json()["id"]


def interaction_body(queue_id, channel, **extra):
    body = {"source": "authz", "external_id": f"authz-{serial()}", "channel": channel,
            "direction": "inbound", "queue_id": queue_id, "arrived_at": ARRIVED}
    body.update(extra)
    return body


class Caller:
    """Sends one valid request for any route of the API, as any client, filling {id} from
    the world. Bodies are chosen so that the role (vendor_agent: vendor A's agent) is
    entitled to the write when the route allows it."""

    def __init__(self, world):
        self.w = world
        self.vendor_a_user = user_id(world["clients"]["vendor_a"])
        self.session_target()  # made before any test counts events
        self.advocacy_targets()

    def agent(self):
        """An agent of vendor A (created once), for agent sessions."""
        if "agent_user" not in self.w:
            self.w["agent_user"] = create(self.w["clients"]["admin"], "users", {
                "name": "Session Agent", "email": f"sessions{serial()}@example.com",
                "role": "vendor_agent", "vendor_id": self.w["vendor_a"]["id"],
                "is_agent": True})
        return self.w["agent_user"]["id"]

    def session_target(self):
        if "agent_session" not in self.w:
            self.w["agent_session"] = create(self.w["clients"]["admin"], "agent_sessions", {
                "agent_id": self.agent(), "kind": "logged_in", "started_at": ARRIVED})
        return self.w["agent_session"]["id"]

    def advocacy_targets(self):
        """A closed escalation owned by the agent (so that every in-house writer may change
        it), contacts after its close-out to classify, a service and a trial."""
        w, admin = self.w, self.w["clients"]["admin"]
        if "escalation" in w:
            return
        owner = user_id(w["clients"]["agent"])
        e = create(admin, "escalations", {
            "account_id": w["account"]["id"], "title": "Authz escalation", "owner_id": owner,
            "plan": [{"description": "Fix it"}],
            "success_criteria": [{"description": "Fixed", "met": True, "evidence": "test"}],
            "customer_agreement": {"person_id": w["person"]["id"], "at": ARRIVED}})
        for stage in ("planning", "executing", "verifying", "closed"):
            response = admin.patch(f"/api/v1/escalations/{e['id']}", {"stage": stage},
                                   etag=f'"{e["version"]}"')
            assert response.status_code == 200, response.text
            e = response.json()
        w["escalation"] = e
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
        w["pending_contacts"] = [create(admin, "interactions", {
            "channel": "email", "direction": "inbound", "account_id": w["account"]["id"],
            "arrived_at": now, "outcome": "received"})["id"] for _ in range(3)]
        w["service"] = create(admin, "mitigating_services", {
            "name": "Authz service", "monthly_price_minor": 100, "currency": "GBP"})
        w["trial"] = create(admin, "trials", {"escalation_id": e["id"],
                                              "service_id": w["service"]["id"]})
        w["category"] = create(admin, "root_cause_categories", {"name": "authz category"})

    def target(self, collection):
        w = self.w
        if collection == "agent_sessions":
            return self.session_target()
        advocacy = {"escalations": "escalation", "trials": "trial",
                    "mitigating_services": "service", "root_cause_categories": "category"}
        if collection in advocacy:
            return w[advocacy[collection]]["id"]
        return {"users": self.vendor_a_user, "vendors": w["vendor_a"]["id"],
                "queues": w["queue_a"]["id"], "accounts": w["account"]["id"],
                "people": w["person"]["id"], "agreements": w["agreement_a"]["id"],
                "cases": w["case_a"]["id"], "interactions": w["call_a"]["id"],
                "calendars": w["calendar"]["id"], "sla_policies": w["policy"]["id"]}[collection]

    def create_body(self, collection, role):
        w, n = self.w, serial()
        vendor = role == "vendor_agent"
        queue, channel = ((w["queue_a"]["id"], "phone") if vendor
                          else (w["queue_house"]["id"], "chat"))
        account = w["account"]["id"]
        return {
            "users": {"name": f"User {n}", "email": f"user{n}@example.com", "role": "viewer"},
            "vendors": {"name": f"Vendor {n}"},
            "queues": {"name": f"Queue {n}", "channel": "sms"},
            "accounts": {"name": f"Account {n}", "segment": "smb"},
            "people": {"account_id": account, "name": f"Person {n}"},
            "agreements": {"kind": "customer", "account_id": account,
                           "start_date": "2025-01-01", "end_date": "2025-12-31"},
            "cases": {"account_id": account, "subject": f"Case {n}", "queue_id": queue},
            "interactions": interaction_body(queue, channel),
            "calendars": {"name": f"Calendar {n}", "time_zone": "Europe/Paris",
                          "hours": [{"day": "monday", "start": "08:00", "end": "12:00"}]},
            "sla_policies": {"name": f"Policy {n}", "position": 100 + n,
                             "targets": [{"metric": "resolution", "minutes": 600}]},
            "agent_sessions": {"agent_id": self.agent(), "kind": "logged_in",
                               "external_id": f"s{n}", "started_at": ARRIVED},
            "escalations": {"account_id": account, "title": f"Escalation {n}",
                            "owner_id": w["escalation"]["owner_id"]},
            "trials": {"escalation_id": w["escalation"]["id"], "service_id": w["service"]["id"]},
            "mitigating_services": {"name": f"Service {n}", "monthly_price_minor": n,
                                    "currency": "GBP"},
            "root_cause_categories": {"name": f"Category {n}"},
        }[collection]

    def patch_body(self, collection):
        n = serial()
        return {"users": {"team": f"team {n}"}, "vendors": {"point_of_contact": f"poc {n}"},
                "queues": {"name": f"Alpha phone {n}"}, "accounts": {"segment": f"seg{n}"},
                "people": {"name": f"Ann Lee {n}"}, "agreements": {"notice_days": n},
                "cases": {"category": f"cat {n}"},
                "interactions": {"category": f"cat {n}"},
                "calendars": {"name": f"Calendar {n}"},
                "sla_policies": {"name": f"Policy {n}"},
                "agent_sessions": {"ended_at": f"2025-03-05T{10 + n % 10:02d}:00:00Z"},
                "escalations": {"customer_impact": f"impact {n}"},
                "trials": {"reminder_days": n % 60},
                "mitigating_services": {"description": f"service {n}"},
                "root_cause_categories": {"description": f"category {n}"}}[collection]

    def call(self, client, method, pattern, role):
        parts = pattern.split("/")
        collection = parts[3] if len(parts) > 3 else None
        path = pattern
        if "{id}" in pattern:
            path = pattern.replace("{id}", str(self.target(collection)))
        if method == "GET" and pattern == "/api/v1/stream":
            # The stream never ends: its status and head are what count here.
            response = client.session.get(client.base + path, stream=True, timeout=30)
            if response.status_code == 200:
                response.close()
                response._content = b""  # nothing read: what `.text` answers
            return response
        if method == "GET":
            # Reports that need a parameter to answer at all get one.
            path += {"/api/v1/reports/coverage": f"?agreement_id={self.w['agreement_a']['id']}",
                     "/api/v1/reports/staffing": "?aht_seconds=180"}.get(pattern, "")
            return client.get(path)
        if method == "POST" and pattern == "/api/v1/session":
            # Signing in is public: any caller with the right password gets a session.
            if not self.w.get("password_set"):
                self.w["server"].set_password("admin@example.com", SIGN_IN_PASSWORD)
                self.w["password_set"] = True
            response = client.post(path, {"email": "admin@example.com",
                                          "password": SIGN_IN_PASSWORD},
                                   headers={"Content-Type": "application/json"})
            client.session.cookies.clear()  # the client stays what it was (e.g. anonymous)
            return response
        if method == "DELETE" and pattern == "/api/v1/session":
            return client.request("DELETE", path)  # with a bearer token: nothing to end
        if method == "POST" and pattern.startswith("/api/v1/imports/"):
            return client.post(path, raw="")  # an empty file: imports nothing
        if method == "POST" and pattern.endswith("/progress-updates"):
            return client.post(path, {"channel": "email", "summary": "Status sent"})
        if method == "POST" and pattern.endswith("/classifications"):
            contact = self.w["pending_contacts"][0]
            response = client.post(path, {"interaction_id": contact, "choice": "separate"})
            if response.status_code == 201:
                self.w["pending_contacts"].pop(0)
            return response
        if method == "POST" and pattern == "/api/v1/interactions/batch":
            body = self.create_body("interactions", role)
            return client.post(path, {"items": [body]})
        if method == "POST":
            return client.post(path, self.create_body(collection, role))
        if method == "PATCH":
            current = self.w["clients"]["admin"].get(path)
            assert current.status_code == 200, current.text
            return client.patch(path, self.patch_body(collection), etag=current.headers["ETag"])
        raise AssertionError(f"no request known for {method} {pattern}")


# ---- the policy the document must state -------------------------------------------------

def test_openapi_lists_every_route_with_roles(server):
    doc = openapi(server)
    ops = {(m, p): op for m, p, op in operations(doc)}
    expected = set(PUBLIC) | {("GET", "/api/v1/me"), ("GET", "/api/v1/events"),
                              ("POST", "/api/v1/interactions/batch")}
    for c in COLLECTIONS:
        expected |= {("GET", f"/api/v1/{c}"), ("POST", f"/api/v1/{c}"),
                     ("GET", f"/api/v1/{c}/{{id}}"), ("PATCH", f"/api/v1/{c}/{{id}}")}
    assert expected <= set(ops), sorted(expected - set(ops))
    for (method, path), op in ops.items():
        if (method, path) in PUBLIC:
            assert op.get("security") == [], (method, path)
            assert "x-roles" not in op, (method, path)
            continue
        assert op.get("security") != [], f"{method} {path} must not be public"
        roles = op.get("x-roles")
        assert roles, f"{method} {path} names no roles"
        assert set(roles) <= set(ROLES), (method, path, roles)
        assert len(set(roles)) == len(roles), (method, path, roles)
        assert "401" in op["responses"] and "403" in op["responses"], (method, path)


def test_openapi_roles_match_the_policy(server):
    ops = {(m, p): set(op.get("x-roles", [])) for m, p, op in operations(openapi(server))}
    writes = {k: v for k, v in ops.items() if k[0] in WRITE_METHODS}
    assert writes, "no write routes found"

    # A viewer may not write anything (signing out of its own session aside).
    assert [k for k, roles in writes.items()
            if "viewer" in roles and k != ("DELETE", "/api/v1/session")] == []
    # Only admin may create or patch users.
    assert ops[("POST", "/api/v1/users")] == {"admin"}
    assert ops[("PATCH", "/api/v1/users/{id}")] == {"admin"}
    # Vendor agents write interactions, cases, people ...
    for c in ["interactions", "cases", "people"]:
        assert "vendor_agent" in ops[("POST", f"/api/v1/{c}")], c
        assert "vendor_agent" in ops[("PATCH", f"/api/v1/{c}/{{id}}")], c
    assert "vendor_agent" in ops[("POST", "/api/v1/interactions/batch")]
    # ... but not vendors, queues, agreements, accounts or users.
    for c in ["vendors", "queues", "agreements", "accounts", "users"]:
        assert "vendor_agent" not in ops[("POST", f"/api/v1/{c}")], c
        assert "vendor_agent" not in ops[("PATCH", f"/api/v1/{c}/{{id}}")], c
    # The event log is for admins and managers only.
    assert ops[("GET", "/api/v1/events")] == {"admin", "manager"}
    # Every role reads (scoped by the visibility rules) and knows who it is.
    assert ops[("GET", "/api/v1/me")] == set(ROLES)
    for c in COLLECTIONS:
        assert ops[("GET", f"/api/v1/{c}")] == set(ROLES), c
        assert ops[("GET", f"/api/v1/{c}/{{id}}")] == set(ROLES), c
    # Advocacy is in-house: vendor agents have no route of it; viewers only read; only
    # admins edit the root-cause categories; the review is for management and viewers.
    advocacy = [k for k in ops if "/escalations" in k[1] or "/trials" in k[1]
                or "/mitigating_services" in k[1] or "/root_cause_categories" in k[1]
                or k[1] == "/api/v1/reports/review"]
    assert len(advocacy) == 21, advocacy
    assert [k for k in advocacy if "vendor_agent" in ops[k]] == []
    assert ops[("POST", "/api/v1/root_cause_categories")] == {"admin"}
    assert ops[("GET", "/api/v1/reports/review")] == {"admin", "manager", "viewer"}
    assert ops[("PATCH", "/api/v1/escalations/{id}")] == {"admin", "manager", "agent"}
    # Admins may do everything.
    assert [k for k, roles in ops.items() if roles and "admin" not in roles] == []


# ---- the matrix: every role x every route -----------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_matrix_role_against_every_route(server, world, role):
    doc = openapi(server)
    caller = Caller(world)
    client = client_for(world, role)
    failures, checked = [], 0
    for method, path, op in operations(doc):
        response = caller.call(client, method, path, role)
        checked += 1
        where = f"{role} {method} {path}: {response.status_code} {response.text[:300]}"
        if (method, path) in PUBLIC:
            if response.status_code != 200:
                failures.append(where)
        elif role in op["x-roles"]:
            if response.status_code in (401, 403) or not 200 <= response.status_code < 300:
                failures.append(where + " (allowed: want 2xx)")
        elif not is_problem(response, 403):
            failures.append(where + " (not allowed: want 403 problem+json)")
    assert checked >= 37
    assert failures == [], "\n".join(failures)


def test_matrix_without_or_with_unknown_token(server, world):
    doc = openapi(server)
    caller = Caller(world)
    anonymous = server.client()
    unknown = server.client(UNKNOWN_TOKEN)
    not_bearer = server.client()
    not_bearer.session.headers["Authorization"] = "Basic YWRtaW46YWRtaW4="
    failures = []
    for method, path, op in operations(doc):
        for name, client in [("no token", anonymous), ("unknown token", unknown),
                             ("basic auth", not_bearer)]:
            response = caller.call(client, method, path, "admin")
            where = f"{name} {method} {path}: {response.status_code} {response.text[:200]}"
            if (method, path) in PUBLIC:
                if response.status_code != 200:
                    failures.append(where + " (public: want 200)")
            elif not is_problem(response, 401):
                failures.append(where + " (want 401 problem+json)")
            elif "bearer" not in response.headers.get("WWW-Authenticate", "").lower():
                failures.append(where + " (401 without WWW-Authenticate: Bearer)")
    assert failures == [], "\n".join(failures)


def test_refused_requests_change_nothing(server, world):
    """403s and 401s leave no trace in the event log."""
    doc = openapi(server)
    caller = Caller(world)
    admin = world["clients"]["admin"]
    before = event_count(admin)
    refused = 0
    for method, path, op in operations(doc):
        if (method, path) in PUBLIC or method not in WRITE_METHODS:
            continue
        for role in ROLES:
            if role in op["x-roles"]:
                continue
            response = caller.call(client_for(world, role), method, path, role)
            assert is_problem(response, 403), (role, method, path, response.text)
            refused += 1
        response = caller.call(server.client(), method, path, "admin")
        assert is_problem(response, 401), (method, path, response.text)
        response = caller.call(server.client(UNKNOWN_TOKEN), method, path, "admin")
        assert is_problem(response, 401), (method, path, response.text)
    assert refused > 0
    assert event_count(admin) == before


# ---- vendor visibility ------------------------------------------------------------------

def same_not_found(hidden, missing, hidden_id):
    """A hidden record answers exactly like a missing one, apart from the id in the text."""
    assert hidden.status_code == 404, hidden.text
    assert missing.status_code == 404, missing.text
    assert hidden.headers["Content-Type"] == missing.headers["Content-Type"]
    h, m = hidden.json(), missing.json()
    for key in ("status", "type", "title"):
        assert h.get(key) == m.get(key), (key, h, m)
    assert set(h) == set(m), (h, m)
    assert h.get("detail", "").replace(str(hidden_id), "<id>") == \
        m.get("detail", "").replace(str(MISSING), "<id>"), (h, m)


def test_vendor_sees_accounts_and_people_without_money(world):
    va = world["clients"]["vendor_a"]
    account_id = world["account"]["id"]
    response = va.get(f"/api/v1/accounts/{account_id}")
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["name"] == "Globex"
    assert "annual_value_minor" not in account
    listed = [a for a in list_all(va, "/api/v1/accounts") if a["id"] == account_id]
    assert len(listed) == 1 and "annual_value_minor" not in listed[0]
    assert all("annual_value_minor" not in a for a in list_all(va, "/api/v1/accounts"))

    person_id = world["person"]["id"]
    response = va.get(f"/api/v1/people/{person_id}")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Ann Lee"
    assert person_id in ids(list_all(va, "/api/v1/people"))
    assert person_id in ids(list_all(va, f"/api/v1/people?account_id={account_id}"))


def test_vendor_never_sees_customer_agreements(world):
    va = world["clients"]["vendor_a"]
    hidden_id = world["agreement_customer"]["id"]
    same_not_found(va.get(f"/api/v1/agreements/{hidden_id}"),
                   va.get(f"/api/v1/agreements/{MISSING}"), hidden_id)
    assert hidden_id not in ids(list_all(va, "/api/v1/agreements"))
    assert hidden_id not in ids(list_all(va, "/api/v1/agreements?kind=customer"))


def test_vendor_sees_only_its_own_vendor_agreement(world):
    va, vb = world["clients"]["vendor_a"], world["clients"]["vendor_b"]
    a, b = world["agreement_a"]["id"], world["agreement_b"]["id"]
    response = va.get(f"/api/v1/agreements/{a}")
    assert response.status_code == 200, response.text
    assert response.json()["vendor_id"] == world["vendor_a"]["id"]
    same_not_found(va.get(f"/api/v1/agreements/{b}"), va.get(f"/api/v1/agreements/{MISSING}"), b)
    assert ids(list_all(va, "/api/v1/agreements")) == {a}
    assert vb.get(f"/api/v1/agreements/{b}").status_code == 200
    same_not_found(vb.get(f"/api/v1/agreements/{a}"), vb.get(f"/api/v1/agreements/{MISSING}"), a)
    assert ids(list_all(vb, "/api/v1/agreements")) == {b}


def test_vendor_sees_only_its_own_vendor(world):
    va = world["clients"]["vendor_a"]
    a, b = world["vendor_a"]["id"], world["vendor_b"]["id"]
    assert va.get(f"/api/v1/vendors/{a}").status_code == 200
    same_not_found(va.get(f"/api/v1/vendors/{b}"), va.get(f"/api/v1/vendors/{MISSING}"), b)
    assert ids(list_all(va, "/api/v1/vendors")) == {a}
    assert ids(list_all(world["clients"]["vendor_b"], "/api/v1/vendors")) == {b}


def test_vendor_sees_only_its_own_queues(world):
    va = world["clients"]["vendor_a"]
    qa, qb, qh = world["queue_a"]["id"], world["queue_b"]["id"], world["queue_house"]["id"]
    assert va.get(f"/api/v1/queues/{qa}").status_code == 200
    for hidden in (qb, qh):
        same_not_found(va.get(f"/api/v1/queues/{hidden}"), va.get(f"/api/v1/queues/{MISSING}"),
                       hidden)
    assert ids(list_all(va, "/api/v1/queues")) == {qa}
    assert ids(list_all(world["clients"]["vendor_b"], "/api/v1/queues")) == {qb}


def test_vendor_sees_only_its_own_cases(world):
    va = world["clients"]["vendor_a"]
    ca, cb = world["case_a"]["id"], world["case_b"]["id"]
    response = va.get(f"/api/v1/cases/{ca}")
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "Phone line down"
    same_not_found(va.get(f"/api/v1/cases/{cb}"), va.get(f"/api/v1/cases/{MISSING}"), cb)
    assert ids(list_all(va, "/api/v1/cases")) == {ca}
    assert ids(list_all(va, f"/api/v1/cases?account_id={world['account']['id']}")) == {ca}
    assert cb not in ids(list_all(va, "/api/v1/cases?status=new"))


def test_hidden_records_as_filters_are_404(world):
    va = world["clients"]["vendor_a"]
    cb, qb = world["case_b"]["id"], world["queue_b"]["id"]
    vb = world["vendor_b"]["id"]
    for path, hidden in [(f"/api/v1/interactions?case_id={cb}", cb),
                         (f"/api/v1/interactions?queue_id={qb}", qb),
                         (f"/api/v1/interactions?vendor_id={vb}", vb),
                         (f"/api/v1/cases?queue_id={qb}", qb),
                         (f"/api/v1/cases?vendor_id={vb}", vb)]:
        response = va.get(path)
        assert is_problem(response, 404), (path, response.status_code, response.text)
        assert cb not in ids(response.json().get("items", []))
    # The same filter on a missing id answers alike; and on its own records it works.
    missing = va.get(f"/api/v1/interactions?case_id={MISSING}")
    hidden = va.get(f"/api/v1/interactions?case_id={cb}")
    assert missing.status_code == hidden.status_code == 404
    for key in ("status", "type", "title"):
        assert hidden.json()[key] == missing.json()[key]
    own = va.get(f"/api/v1/interactions?case_id={world['case_a']['id']}")
    assert own.status_code == 200, own.text
    assert ids(own.json()["items"]) == {world["call_a"]["id"]}


DETAIL_FIELDS = ["body", "participants", "message_id", "in_reply_to", "tags", "agent_id"]


def test_vendor_lists_whole_history_with_foreign_interactions_as_summaries(world):
    admin, va = world["clients"]["admin"], world["clients"]["vendor_a"]
    agent_user = user_id(world["clients"]["agent"])
    house = admin.post("/api/v1/interactions", interaction_body(
        world["queue_house"]["id"], "chat", account_id=world["account"]["id"],
        agent_id=agent_user, body="In-house notes", tags=["vip"], outcome="answered"))
    assert house.status_code == 201, house.text
    house = house.json()

    everything = ids(list_all(admin, "/api/v1/interactions"))
    seen = {i["id"]: i for i in list_all(va, "/api/v1/interactions")}
    assert set(seen) == everything
    account_history = ids(list_all(
        va, f"/api/v1/interactions?account_id={world['account']['id']}"))
    assert {world["call_a"]["id"], world["email_b"]["id"], house["id"]} <= account_history

    own = seen[world["call_a"]["id"]]
    assert own["body"] == "Customer says the line is dead"
    assert own["tags"] == ["outage"]
    assert own.get("visibility") != "summary"

    for foreign_id in (world["email_b"]["id"], house["id"]):
        for summary in (seen[foreign_id], va.get(f"/api/v1/interactions/{foreign_id}").json()):
            assert summary["id"] == foreign_id
            assert summary.get("visibility") == "summary", summary
            leaked = [f for f in DETAIL_FIELDS if f in summary]
            assert leaked == [], (foreign_id, leaked, summary)
            assert "channel" in summary and "arrived_at" in summary
    assert seen[world["email_b"]["id"]]["subject"] == "Invoice"

    response = va.get(f"/api/v1/interactions/{world['call_a']['id']}")
    assert response.status_code == 200
    assert response.json()["body"] == "Customer says the line is dead"


@pytest.mark.parametrize("path", [
    "/api/v1/interactions?body=Secret%20invoice%20details",
    "/api/v1/interactions?tags=outage",
    "/api/v1/interactions?message_id=%3Cm1%40globex.example%3E",
    "/api/v1/interactions?in_reply_to=x",
    "/api/v1/interactions?agent_id=1",
    "/api/v1/accounts?annual_value_minor=12000000",
])
def test_vendor_may_not_filter_on_what_it_may_not_see(world, path):
    response = world["clients"]["vendor_a"].get(path)
    assert is_problem(response, 400), (path, response.status_code, response.text)
    field = path.split("?")[1].split("=")[0]
    assert field in field_names(response), response.text


def test_vendor_sees_only_its_own_vendor_users(server, world):
    admin, va = world["clients"]["admin"], world["clients"]["vendor_a"]
    extra_a = admin.post("/api/v1/users", {"name": "Second A", "email": "a2@alpha.example",
                                           "role": "vendor_agent",
                                           "vendor_id": world["vendor_a"]["id"]})
    assert extra_a.status_code == 201, extra_a.text
    me = va.get("/api/v1/me")
    assert me.status_code == 200, me.text
    me = me.json()
    assert me["role"] == "vendor_agent" and me["vendor_id"] == world["vendor_a"]["id"]
    assert me["email"] == "va@alpha.example"

    all_users = list_all(admin, "/api/v1/users")
    own = {u["id"] for u in all_users if u.get("vendor_id") == world["vendor_a"]["id"]}
    assert {me["id"], extra_a.json()["id"]} <= own
    listed = list_all(va, "/api/v1/users")
    assert ids(listed) == own
    assert all(u.get("vendor_id") == world["vendor_a"]["id"] for u in listed)
    for other in all_users:
        if other["id"] in own:
            assert va.get(f"/api/v1/users/{other['id']}").status_code == 200
        else:
            same_not_found(va.get(f"/api/v1/users/{other['id']}"),
                           va.get(f"/api/v1/users/{MISSING}"), other["id"])
    assert world["clients"]["vendor_b"].get("/api/v1/me").json()["vendor_id"] == \
        world["vendor_b"]["id"]


def test_vendor_cannot_write_on_the_other_vendors_queue(world):
    admin, va = world["clients"]["admin"], world["clients"]["vendor_a"]
    account = world["account"]["id"]
    cases_before = ids(list_all(admin, "/api/v1/cases"))
    interactions_before = ids(list_all(admin, "/api/v1/interactions"))

    for queue in (world["queue_b"]["id"], world["queue_house"]["id"]):
        response = va.post("/api/v1/cases", {"account_id": account, "subject": "Sneaky",
                                             "queue_id": queue})
        assert is_problem(response, 422), response.text
        assert "queue_id" in field_names(response), response.text

    response = va.post("/api/v1/interactions", interaction_body(world["queue_b"]["id"], "email"))
    assert is_problem(response, 422), response.text
    assert "queue_id" in field_names(response), response.text
    response = va.post("/api/v1/interactions/batch",
                       {"items": [interaction_body(world["queue_b"]["id"], "email")]})
    assert response.status_code == 422, response.text
    assert any("queue_id" in (f or "") for f in field_names(response)), response.text
    # Nor attach its interaction to the other vendor's case.
    response = va.post("/api/v1/interactions", interaction_body(
        world["queue_a"]["id"], "phone", case_id=world["case_b"]["id"]))
    assert is_problem(response, 422), response.text
    assert "case_id" in field_names(response), response.text

    assert ids(list_all(admin, "/api/v1/cases")) == cases_before
    assert ids(list_all(admin, "/api/v1/interactions")) == interactions_before

    # On its own queue it may.
    response = va.post("/api/v1/cases", {"account_id": account, "subject": "Fine",
                                         "queue_id": world["queue_a"]["id"]})
    assert response.status_code == 201, response.text
    assert response.json()["vendor_id"] == world["vendor_a"]["id"]
    response = va.post("/api/v1/interactions", interaction_body(world["queue_a"]["id"], "phone"))
    assert response.status_code == 201, response.text


def test_vendor_patches_own_case_but_not_the_other_vendors(world):
    admin, va = world["clients"]["admin"], world["clients"]["vendor_a"]
    cb = world["case_b"]["id"]
    before = admin.get(f"/api/v1/cases/{cb}")
    hidden = va.patch(f"/api/v1/cases/{cb}", {"subject": "Hijacked"}, etag=before.headers["ETag"])
    missing = va.patch(f"/api/v1/cases/{MISSING}", {"subject": "Hijacked"},
                       etag=before.headers["ETag"])
    same_not_found(hidden, missing, cb)
    after = admin.get(f"/api/v1/cases/{cb}")
    assert record_of(after.json()) == record_of(before.json())
    assert after.headers["ETag"] == before.headers["ETag"]

    ca = world["case_a"]["id"]
    current = va.get(f"/api/v1/cases/{ca}")
    response = va.patch(f"/api/v1/cases/{ca}", {"priority": "high", "status": "open"},
                        etag=current.headers["ETag"])
    assert response.status_code == 200, response.text
    assert response.json()["priority"] == "high" and response.json()["status"] == "open"
    assert admin.get(f"/api/v1/cases/{ca}").json()["priority"] == "high"

    # Nor may it hand its case over to the other vendor's queue.
    current = va.get(f"/api/v1/cases/{ca}")
    response = va.patch(f"/api/v1/cases/{ca}", {"queue_id": world["queue_b"]["id"]},
                        etag=current.headers["ETag"])
    assert response.status_code in (404, 422), response.text
    assert admin.get(f"/api/v1/cases/{ca}").json()["queue_id"] == world["queue_a"]["id"]


def test_vendor_cannot_change_or_probe_the_other_vendors_interaction(world):
    admin, va = world["clients"]["admin"], world["clients"]["vendor_a"]
    email_id = world["email_b"]["id"]
    before = admin.get(f"/api/v1/interactions/{email_id}")
    response = va.patch(f"/api/v1/interactions/{email_id}", {"subject": "Mine now"},
                        etag=before.headers["ETag"])
    # The same answer as for an interaction that does not exist.
    assert response.status_code == 404, response.text
    assert "Secret invoice" not in response.text
    after = admin.get(f"/api/v1/interactions/{email_id}")
    assert after.json() == before.json()
    # Re-ingesting the other vendor's external id on its own queue: refused, and the
    # refusal does not quote the hidden content.
    alpha_email = admin.post("/api/v1/queues", {"name": "Alpha email", "channel": "email",
                                                "vendor_id": world["vendor_a"]["id"]})
    assert alpha_email.status_code == 201, alpha_email.text
    response = va.post("/api/v1/interactions", {
        "source": "mail", "external_id": "<m1@globex.example>", "channel": "email",
        "direction": "inbound", "queue_id": alpha_email.json()["id"],
        "arrived_at": "2025-03-04T10:00:00Z", "subject": "Invoice"})
    assert response.status_code == 409, response.text
    assert "Secret invoice" not in response.text
    assert admin.get(f"/api/v1/interactions/{email_id}").json() == before.json()


@pytest.mark.parametrize("role", IN_HOUSE)
def test_in_house_roles_see_everything(world, role):
    client = world["clients"][role]
    w = world
    email = client.get(f"/api/v1/interactions/{w['email_b']['id']}")
    assert email.status_code == 200, email.text
    email = email.json()
    assert email["body"] == "Secret invoice details"
    assert [p["address"] for p in email["participants"]] == ["ann@globex.example"]
    assert email["message_id"] == "<m1@globex.example>"
    assert "visibility" not in email
    call = client.get(f"/api/v1/interactions/{w['call_a']['id']}").json()
    assert call["tags"] == ["outage"] and call["body"] == "Customer says the line is dead"
    listed = {i["id"]: i for i in list_all(client, "/api/v1/interactions")}
    assert listed[w["email_b"]["id"]]["body"] == "Secret invoice details"
    assert all("visibility" not in i for i in listed.values())

    account = client.get(f"/api/v1/accounts/{w['account']['id']}").json()
    assert account["annual_value_minor"] == 12_000_000
    assert client.get(f"/api/v1/agreements/{w['agreement_customer']['id']}").status_code == 200
    assert {w["agreement_a"]["id"], w["agreement_b"]["id"], w["agreement_customer"]["id"]} <= \
        ids(list_all(client, "/api/v1/agreements"))
    assert {w["case_a"]["id"], w["case_b"]["id"]} <= ids(list_all(client, "/api/v1/cases"))
    assert {w["vendor_a"]["id"], w["vendor_b"]["id"]} <= ids(list_all(client, "/api/v1/vendors"))
    assert {w["queue_a"]["id"], w["queue_b"]["id"], w["queue_house"]["id"]} <= \
        ids(list_all(client, "/api/v1/queues"))
    for path in ("/api/v1/cases/{}".format(w["case_b"]["id"]),
                 "/api/v1/vendors/{}".format(w["vendor_b"]["id"]),
                 "/api/v1/queues/{}".format(w["queue_b"]["id"])):
        assert client.get(path).status_code == 200, path
    vendor_users = [u for u in list_all(client, "/api/v1/users") if u.get("vendor_id")]
    assert {u["vendor_id"] for u in vendor_users} == {w["vendor_a"]["id"], w["vendor_b"]["id"]}

    # In-house roles may filter on the details.
    response = client.get("/api/v1/interactions?body=Secret%20invoice%20details")
    assert response.status_code == 200, response.text
    assert ids(response.json()["items"]) == {w["email_b"]["id"]}
    response = client.get("/api/v1/accounts?annual_value_minor=12000000")
    assert response.status_code == 200, response.text
    assert w["account"]["id"] in ids(response.json()["items"])
    response = client.get(f"/api/v1/interactions?case_id={w['case_b']['id']}")
    assert ids(response.json()["items"]) == {w["email_b"]["id"]}


# ---- counts and paging ------------------------------------------------------------------

def test_vendor_case_counts_and_paging_never_leak(world):
    admin = world["clients"]["admin"]
    va, vb = world["clients"]["vendor_a"], world["clients"]["vendor_b"]
    account = world["account"]["id"]
    qa, qb, qh = world["queue_a"]["id"], world["queue_b"]["id"], world["queue_house"]["id"]
    # Interleave the vendors' cases so that every page boundary falls between them.
    for i in range(8):
        for client, queue in [(va, qa), (admin, qb), (admin, qh), (vb, qb), (admin, qa)]:
            if i % 3 == 2 and client is admin and queue == qa:
                continue
            response = client.post("/api/v1/cases", {"account_id": account,
                                                     "subject": f"Case {i}",
                                                     "queue_id": queue})
            assert response.status_code == 201, response.text

    all_cases = list_all(admin, "/api/v1/cases")
    for vendor_key, client in [("vendor_a", va), ("vendor_b", vb)]:
        vendor_id = world[vendor_key]["id"]
        own = {c["id"] for c in all_cases if c.get("vendor_id") == vendor_id}
        assert len(own) > 8
        for limit in (1, 2, 3, 7, 50, 500):
            listed = list_all(client, "/api/v1/cases", limit=limit)
            assert len(listed) == len(own), (vendor_key, limit)
            assert ids(listed) == own, (vendor_key, limit)
            assert all(c["vendor_id"] == vendor_id for c in listed)
        # Pages hold at most `limit` items and never an empty page before the end.
        cursor, pages = None, 0
        while True:
            url = "/api/v1/cases?limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = client.get(url).json()
            assert 0 < len(page["items"]) <= 3 or (pages == 0 and not own)
            assert all(c["vendor_id"] == vendor_id for c in page["items"])
            pages += 1
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert pages == -(-len(own) // 3)
        # A cursor pointing anywhere (even at a hidden case) yields only own cases.
        for c in all_cases:
            page = client.get(f"/api/v1/cases?limit=2&cursor={c['id']}").json()
            assert all(item["vendor_id"] == vendor_id for item in page["items"])
        listed = list_all(client, f"/api/v1/cases?account_id={account}&status=new", limit=4)
        assert ids(listed) <= own
        assert all(c["vendor_id"] == vendor_id for c in listed)


# ---- who a token is, now ----------------------------------------------------------------

def test_role_and_activation_changes_apply_at_once(world):
    """A token's rights follow its user as stored now: a changed role or a deactivated
    user takes effect on the next request (no stale authorization)."""
    admin, agent = world["clients"]["admin"], world["clients"]["agent"]
    agent_id = user_id(agent)
    account = {"name": "Initech", "segment": "smb"}

    def patch_user(change):
        current = admin.get(f"/api/v1/users/{agent_id}")
        response = admin.patch(f"/api/v1/users/{agent_id}", change, etag=current.headers["ETag"])
        assert response.status_code == 200, response.text

    assert agent.post("/api/v1/accounts", account).status_code == 201
    patch_user({"role": "viewer"})
    assert agent.get("/api/v1/me").json()["role"] == "viewer"
    assert is_problem(agent.post("/api/v1/accounts", account), 403)
    patch_user({"active": False})
    assert is_problem(agent.get("/api/v1/me"), 401)
    assert is_problem(agent.get("/api/v1/cases"), 401)
    patch_user({"active": True, "role": "agent"})
    assert agent.get("/api/v1/me").json()["role"] == "agent"
    assert agent.post("/api/v1/accounts", account).status_code == 201


def _fields(response):
    return sorted((e["field"], e["message"]) for e in response.json().get("errors", []))


def test_vendor_rules_never_describe_a_hidden_queue_or_case(world):
    """Regression: the derived-field rules once told a vendor agent a hidden queue's channel
    ("is a email queue") and whether a hidden case belonged to another account."""
    va = world["clients"]["vendor_a"]
    base = {"channel": "phone", "direction": "inbound", "arrived_at": "2025-03-05T10:00:00Z"}
    hidden = va.post("/api/v1/interactions", {**base, "queue_id": world["queue_b"]["id"]})
    missing = va.post("/api/v1/interactions", {**base, "queue_id": 999999})
    assert hidden.status_code == missing.status_code == 422
    mask = lambda fields: [(f, m.replace(str(world["queue_b"]["id"]), "N").replace("999999", "N"))
                           for f, m in fields]
    assert mask(_fields(hidden)) == mask(_fields(missing))
    assert "email" not in hidden.text

    other_account = world["clients"]["admin"].post("/api/v1/accounts", {
        "name": "Initech", "segment": "smb"}).json()
    probe = {**base, "queue_id": world["queue_a"]["id"], "account_id": other_account["id"]}
    hidden_case = va.post("/api/v1/interactions", {**probe, "case_id": world["case_b"]["id"]})
    missing_case = va.post("/api/v1/interactions", {**probe, "case_id": 999999})
    assert hidden_case.status_code == missing_case.status_code == 422
    assert "another account" not in hidden_case.text
    assert len(_fields(hidden_case)) == len(_fields(missing_case))


def test_a_filter_given_twice_is_refused(world):
    response = world["clients"]["viewer"].get("/api/v1/interactions?channel=phone&channel=phone")
    assert response.status_code == 400
    assert any(e["field"] == "channel" for e in response.json()["errors"])
