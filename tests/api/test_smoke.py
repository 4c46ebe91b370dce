"""The server starts, answers, and stops gracefully."""


def test_health_and_openapi(server):
    client = server.client()
    assert client.get("/healthz").json() == {"status": "ok", "signals": "loaded"}
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/cases/{id}" in doc["paths"]


def test_world_fixture_builds(world):
    assert world["case_a"]["vendor_id"] == world["vendor_a"]["id"]
    assert world["call_a"]["vendor_id"] == world["vendor_a"]["id"]


def test_sigterm_stops_cleanly(server):
    assert server.stop() == 0
