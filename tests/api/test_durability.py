"""Durability: nothing acknowledged is ever lost — not on SIGKILL, not on SIGTERM, not in an
online backup — and a write in flight at a crash lands at most once, its retry answering
200 or 201 (idempotent ingest), never 409.

Black-box: writers speak HTTP to a real `rapport serve`; the store is checked afterwards
through the API and with Python's sqlite3 on the stopped server's file."""
import collections
import json
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
import requests

from conftest import RAPPORT_BIN, Server

WRITERS = 16
BATCH_WRITERS = 4  # of WRITERS, these post 3-item batches to /api/v1/interactions/batch
BATCH_SIZE = 3
KILLS = 6
JSON = {"Content-Type": "application/json"}


def interaction(source, external_id, n):
    """A full, valid body whose content depends on the id (so a repeat is comparable)."""
    return {"source": source, "external_id": external_id, "channel": "phone",
            "direction": "inbound", "arrived_at": f"2025-03-03T09:{n // 60 % 60:02d}:{n % 60:02d}Z",
            "outcome": "answered", "subject": f"call {external_id}",
            "body": f"transcript of {external_id} " + "x" * (n % 97),
            "tags": ["durability", f"t{n % 5}"], "category": "billing"}


class Fleet:
    """WRITERS threads, each with its own requests.Session, ingesting interactions with
    unique external ids and recording what the server acknowledged. A write that fails
    on the wire (the server was killed) is retried with the same body until the server
    answers — unless `retry_on_error` is off, when the writer just stops."""

    def __init__(self, base, token, source, retry_on_error=True, pace=0.0):
        self.source = source
        self.token = token
        self.retry_on_error = retry_on_error
        self.pace = pace
        self.lock = threading.Lock()
        self.base = base
        self.acked = {}             # external id -> interaction id
        self.bodies = {}            # external id -> body sent
        self.in_flight_at_error = set()  # external ids whose request failed on the wire
        self.retry_statuses = []    # statuses answered to such retries
        self.problems = []          # anything a correct server never answers
        self.last_error = {}        # writer -> its last wire error (for diagnosis)
        self.stop = threading.Event()
        self.abandon = threading.Event()  # set when a test fails: give up at once
        self.threads = [threading.Thread(target=self._run, args=(t,), daemon=True)
                        for t in range(WRITERS)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def set_base(self, base):
        with self.lock:
            self.base = base

    def acked_count(self):
        with self.lock:
            return len(self.acked)

    def acked_snapshot(self):
        with self.lock:
            return dict(self.acked)

    def abort(self):
        """Stops every writer at once, answered or not: the test has already failed."""
        self.abandon.set()
        self.stop.set()

    def finish(self, timeout=30):
        """Stops the writers (each first gets its current write acknowledged)."""
        self.stop.set()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        stuck = [i for i, t in enumerate(self.threads) if t.is_alive()]
        with self.lock:
            assert not stuck, (f"writers {stuck} still unanswered after {timeout} s: "
                               f"{[self.last_error.get(i) for i in stuck]}")

    def wait_for_acks(self, count, timeout=20):
        deadline = time.monotonic() + timeout
        while self.acked_count() < count:
            assert time.monotonic() < deadline, f"only {self.acked_count()} of {count} acks"
            assert not self.problems, self.problems[:5]
            time.sleep(0.005)

    def _run(self, t):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        try:
            self._write(t, session)
        finally:
            session.close()  # no idle keep-alive connection outlives the writer

    def _write(self, t, session):
        batch = t < BATCH_WRITERS
        n = 0
        while not self.stop.is_set():
            items = []
            for _ in range(BATCH_SIZE if batch else 1):
                ext = f"{self.source}-w{t}-{n}"
                items.append(interaction(self.source, ext, n))
                n += 1
            with self.lock:
                for item in items:
                    self.bodies[item["external_id"]] = item
            if not self._deliver(t, session, items, batch):
                return
            if self.pace:
                time.sleep(self.pace)

    def _deliver(self, t, session, items, batch):
        """Sends until acknowledged. False: stop writing (wire error, no retry wanted)."""
        path = "/api/v1/interactions/batch" if batch else "/api/v1/interactions"
        data = json.dumps({"items": items} if batch else items[0])
        exts = [i["external_id"] for i in items]
        retrying = False
        while not self.abandon.is_set():
            with self.lock:
                base = self.base
            try:
                r = session.post(base + path, data=data, headers=JSON, timeout=15)
            except requests.RequestException as e:
                with self.lock:
                    self.in_flight_at_error.update(exts)
                    self.last_error[t] = (base, exts[0], time.strftime("%X"), repr(e)[:300])
                if not self.retry_on_error:
                    return False
                retrying = True
                time.sleep(0.01)
                continue
            if retrying:
                with self.lock:
                    self.retry_statuses.append((exts[0], r.status_code))
            if r.status_code == 503:  # a store that is closing may say so; try again
                with self.lock:
                    self.last_error[t] = (base, exts[0], time.strftime("%X"), r.text[:300])
                time.sleep(0.01)
                continue
            if r.status_code not in ((200,) if batch else (200, 201)):
                with self.lock:
                    self.problems.append((exts, r.status_code, r.text[:300]))
                return False
            body = r.json()
            stored = body["items"] if batch else [body]
            with self.lock:
                for ext, record in zip(exts, stored):
                    if record.get("external_id") != ext:
                        self.problems.append((ext, "answered for", record.get("external_id")))
                    self.acked[ext] = record["id"]
            return True


def close_pipes(srv):
    for pipe in (srv.process.stdout, srv.process.stderr):
        if pipe:
            pipe.close()


def hard_kill(srv):
    srv.process.kill()
    srv.process.wait(timeout=30)
    close_pipes(srv)


def admin_token(srv):
    return srv.token("admin@example.com", "admin")


def graceful_stop(srv, timeout=10):
    """SIGTERM; the server must exit 0 promptly — idle keep-alive connections included
    (it wakes them; waiting out their read timeout is not a graceful stop)."""
    srv.process.send_signal(signal.SIGTERM)
    try:
        code = srv.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        srv.process.kill()
        srv.process.wait()
        close_pipes(srv)
        pytest.fail(f"the server did not exit within {timeout} s of SIGTERM")
    close_pipes(srv)
    assert code == 0, f"exit status {code} after SIGTERM"


def list_external_ids(client, source):
    """Every external id of `source`, as listed by the API (paging, limit=500)."""
    found, cursor = [], None
    while True:
        url = f"/api/v1/interactions?source={source}&limit=500"
        if cursor:
            url += f"&cursor={cursor}"
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        found += [item["external_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return found


def check_database(path, source, must_hold, may_hold=None):
    """Opens a stopped store's file: integrity ok; every id of `must_hold` exactly once;
    nothing outside `may_hold`; every interaction has its created event. Returns the
    stored external ids with their row ids."""
    assert os.path.exists(path), path
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = db.execute("SELECT external_id, id FROM interactions WHERE source=?",
                          (source,)).fetchall()
        counts = collections.Counter(ext for ext, _ in rows)
        duplicates = {ext: c for ext, c in counts.items() if c > 1}
        assert duplicates == {}, f"duplicated external ids: {list(duplicates.items())[:10]}"
        stored = {ext: row_id for ext, row_id in rows}
        lost = sorted(set(must_hold) - set(stored))
        assert lost == [], f"{len(lost)} acknowledged writes lost, e.g. {lost[:10]}"
        for ext, row_id in must_hold.items():
            assert stored[ext] == row_id, (ext, row_id, stored[ext])
        if may_hold is not None:
            phantom = sorted(set(stored) - set(may_hold))
            assert phantom == [], f"writes never sent are stored: {phantom[:10]}"
        missing_events = db.execute(
            "SELECT count(*) FROM interactions i WHERE source=? AND NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.entity='interaction' AND e.entity_id=i.id "
            "AND e.action='created')", (source,)).fetchone()[0]
        assert missing_events == 0, f"{missing_events} interactions without a created event"
        return stored
    finally:
        db.close()


@pytest.fixture
def servers():
    """Every Server a test starts; any still running at the end is killed."""
    started = []
    yield started
    for srv in started:
        if srv.process and srv.process.poll() is None:
            srv.process.kill()
            srv.process.wait()
        if srv.process:
            close_pipes(srv)


# ---- SIGKILL ----------------------------------------------------------------------------

def test_kill_9_loses_nothing_acknowledged(data_dir, servers):
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    srv = Server(data_dir).start()
    servers.append(srv)
    token = admin_token(srv)
    source = "killtest"
    fleet = Fleet(srv.base, token, source, pace=0.002).start()
    try:
        for kill in range(KILLS):
            # Writers must be busy on this server before it dies.
            fleet.wait_for_acks(fleet.acked_count() + rng.randint(40, 120))
            time.sleep(rng.uniform(0.0, 0.15))
            hard_kill(srv)
            srv = Server(data_dir).start()  # same data dir; tokens are in the database
            servers.append(srv)
            fleet.set_base(srv.base)
        fleet.wait_for_acks(fleet.acked_count() + 50)
    except BaseException:
        fleet.abort()
        raise
    fleet.finish()
    # Retries of writes in flight at a kill: stored once (200) or now (201), never 409.
    bad_retries = [(ext, s) for ext, s in fleet.retry_statuses if s not in (200, 201, 503)]
    assert bad_retries == [], (seed, bad_retries[:10], fleet.problems[:10])
    assert fleet.problems == [], (seed, fleet.problems[:10])
    assert len(fleet.acked) >= KILLS * 40
    assert fleet.in_flight_at_error, f"seed {seed}: no write was in flight at any kill"
    # Every attempted write ended acknowledged (writers retry until answered).
    assert set(fleet.acked) == set(fleet.bodies)

    client = srv.client(token)
    # Repeating any write in flight at a kill, now, is an idempotent 200 with the same id.
    for ext in sorted(fleet.in_flight_at_error)[:200]:
        response = client.post("/api/v1/interactions", fleet.bodies[ext])
        assert response.status_code == 200, (ext, response.status_code, response.text)
        assert response.json()["id"] == fleet.acked[ext]
    # Through the API: every acknowledged id listed exactly once.
    listed = collections.Counter(list_external_ids(client, source))
    assert [ext for ext, c in listed.items() if c > 1] == []
    assert set(listed) == set(fleet.acked)

    client.session.close()
    graceful_stop(srv)
    check_database(os.path.join(data_dir, "rapport.db"), source, fleet.acked, fleet.bodies)


def test_kill_9_while_idle_keeps_everything(data_dir, servers):
    """Acknowledged sequential writes survive a crash that comes right after them."""
    srv = Server(data_dir).start()
    servers.append(srv)
    token = admin_token(srv)
    acked = {}
    for round_ in range(3):
        client = srv.client(token)
        for i in range(30):
            ext = f"idle-{round_}-{i}"
            response = client.post("/api/v1/interactions", interaction("idle", ext, i))
            assert response.status_code == 201, response.text
            acked[ext] = response.json()["id"]
        hard_kill(srv)
        srv = Server(data_dir).start()
        servers.append(srv)
        reader = srv.client(token)
        assert set(list_external_ids(reader, "idle")) == set(acked)
        reader.session.close()
    graceful_stop(srv)
    check_database(os.path.join(data_dir, "rapport.db"), "idle", acked, acked)


# ---- SIGTERM ----------------------------------------------------------------------------

def test_sigterm_under_load_exits_0_and_keeps_every_acknowledged_write(data_dir, servers):
    srv = Server(data_dir).start()
    servers.append(srv)
    token = admin_token(srv)
    source = "termtest"
    # Idle keep-alive connections besides the busy writers: a stop must wake them too.
    idle = [srv.client(token) for _ in range(4)]
    for client in idle:
        assert client.get("/api/v1/me").status_code == 200
    fleet = Fleet(srv.base, token, source, retry_on_error=False, pace=0.002).start()
    try:
        fleet.wait_for_acks(300)
        acked_before_term = fleet.acked_snapshot()
        graceful_stop(srv, timeout=15)
    except BaseException:
        fleet.abort()
        raise
    fleet.finish()
    assert fleet.problems == [], fleet.problems[:10]
    assert len(fleet.acked) >= len(acked_before_term) >= 300
    stored = check_database(os.path.join(data_dir, "rapport.db"), source, fleet.acked,
                            fleet.bodies)

    # Writes cut off by the shutdown: stored at most once, and a retry is 200 or 201.
    srv = Server(data_dir).start()
    servers.append(srv)
    client = srv.client(token)
    for ext in sorted(set(fleet.bodies) - set(fleet.acked)):
        response = client.post("/api/v1/interactions", fleet.bodies[ext])
        want = 200 if ext in stored else 201
        assert response.status_code == want, (ext, response.status_code, response.text)
    client.session.close()
    graceful_stop(srv)
    check_database(os.path.join(data_dir, "rapport.db"), source, fleet.acked, fleet.bodies)


def test_sigterm_right_after_answers_on_keep_alive_connections_exits_promptly(data_dir,
                                                                            servers):
    """Connections that were just answered and stay open (HTTP keep-alive) must not hold a
    stopping server until their read timeout: every trial must exit 0 within 5 s."""
    srv = Server(data_dir).start()
    servers.append(srv)
    token = admin_token(srv)
    graceful_stop(srv)
    rng = random.Random()
    for trial in range(10):
        srv = Server(data_dir).start()
        servers.append(srv)
        clients = [srv.client(token) for _ in range(12)]
        for client in clients:
            assert client.get("/healthz").status_code == 200  # open the connection
        barrier = threading.Barrier(len(clients) + 1)

        def last_request(client):
            barrier.wait()
            try:
                client.get("/api/v1/me")
            except requests.RequestException:
                pass  # refused or cut by the stop: fine

        threads = [threading.Thread(target=last_request, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        barrier.wait()
        time.sleep(rng.uniform(0, 0.003))
        started = time.monotonic()
        srv.process.send_signal(signal.SIGTERM)
        try:
            code = srv.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        for t in threads:
            t.join()
        assert code == 0, (f"trial {trial}: the server was still running "
                           f"{time.monotonic() - started:.1f} s after SIGTERM" if code is None
                           else f"trial {trial}: exit status {code}")
        close_pipes(srv)


# ---- online backup ----------------------------------------------------------------------

def test_backup_while_writers_are_busy(data_dir, servers, tmp_path):
    srv = Server(data_dir).start()
    servers.append(srv)
    token = admin_token(srv)
    source = "backuptest"
    fleet = Fleet(srv.base, token, source, pace=0.002).start()
    targets = []
    try:
        for attempt in range(2):
            fleet.wait_for_acks(fleet.acked_count() + 150)
            acked_before = fleet.acked_snapshot()
            target = str(tmp_path / f"backup-{attempt}.db")
            result = subprocess.run([RAPPORT_BIN, "--data", data_dir, "backup", target],
                                    capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stderr
            # The writers went on during the copy.
            fleet.wait_for_acks(len(acked_before) + 20)
            targets.append((target, acked_before))
        # A backup never overwrites a file.
        result = subprocess.run([RAPPORT_BIN, "--data", data_dir, "backup", targets[0][0]],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode != 0
    except BaseException:
        fleet.abort()
        raise
    fleet.finish()
    assert fleet.problems == [], fleet.problems[:10]
    for target, acked_before in targets:
        stored = check_database(target, source, acked_before, fleet.bodies)
        assert len(stored) <= len(fleet.acked)
    graceful_stop(srv)
    check_database(os.path.join(data_dir, "rapport.db"), source, fleet.acked, fleet.bodies)

    # The backup is a working data directory of its own.
    restored = tmp_path / "restored"
    restored.mkdir()
    os.replace(targets[-1][0], restored / "rapport.db")
    srv = Server(str(restored)).start()
    servers.append(srv)
    reader = srv.client(token)
    listed = collections.Counter(list_external_ids(reader, source))
    reader.session.close()
    assert [ext for ext, c in listed.items() if c > 1] == []
    assert set(targets[-1][1]) <= set(listed)
    graceful_stop(srv)
