"""HTTP hygiene: pipelined requests answered in order, slow clients timed out, oversized
requests refused, and SIGTERM finishing what was acknowledged."""
import re
import socket
import subprocess
import time

import pytest

from conftest import RAPPORT_BIN, Server


def raw_exchange(base, payload, read_for=2.0):
    host, port = base.replace("http://", "").split(":")
    with socket.create_connection((host, int(port)), timeout=read_for) as sock:
        sock.sendall(payload)
        chunks = []
        deadline = time.time() + read_for
        while time.time() < deadline:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)


def test_pipelined_requests_are_answered_in_order(server):
    request = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /api/v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    answer = raw_exchange(server.base, request)
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)
    assert statuses == [b"200", b"200", b"404"]
    assert answer.index(b'{"status":"ok"') < answer.index(b'"openapi"')


def test_a_client_that_stalls_is_disconnected(data_dir):
    process = subprocess.Popen([RAPPORT_BIN, "--data", data_dir, "--log-level", "warn", "serve",
                                "--port", "0", "--read-timeout", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        port = int(line.rsplit(":", 1)[1].strip("/\n"))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finish
            started = time.time()
            assert sock.recv(1024) == b""  # the server closes the connection
            assert time.time() - started < 5
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_oversized_headers_are_refused(server):
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n"
    answer = raw_exchange(server.base, request)
    assert answer.startswith(b"HTTP/1.1 413")


def test_garbage_is_a_bad_request(server):
    answer = raw_exchange(server.base, b"NOT HTTP AT ALL\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
