"""'voiceguide serve' against malformed and hostile requests, over a real socket on 127.0.0.1:
each gets a well-formed error response (never a traceback on the server's stderr), no path leaves
the site folder (links included), idle connections are closed, handler threads are bounded, and
the server still answers a good request afterwards. The last test is a fuzz target (hypothesis)
for requests."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiceguide.share import serve
from voiceguide.share.serve import SiteServer, make_server

STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3}) [^\r\n]*\r\n")
PAGE = b"<!DOCTYPE html><title>site</title>"
AUDIO = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_bytes(PAGE)
    (root / "a").mkdir()
    (root / "a" / "a.mp3").write_bytes(AUDIO)
    (root / "bare").mkdir()  # a folder without index.html: never listed
    (root / "bare" / "secret.txt").write_text("not listed\n")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "passwd").write_text("root:x:0:0\n")
    (root / "etc").symlink_to(outside, target_is_directory=True)
    (root / "passwd").symlink_to(outside / "passwd")
    (root / "inside.mp3").symlink_to(root / "a" / "a.mp3")  # a link within the site is fine
    return root


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[SiteServer]:
    running = make_server(site, port=0, quiet=True, max_handlers=4)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()
    thread.join(timeout=10)


def exchange(server: SiteServer, data: bytes, timeout: float = 15.0) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes it."""
    with socket.create_connection(server.server_address[:2], timeout=timeout) as conn:
        try:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered and closed before taking everything
            pass
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def status(response: bytes) -> int:
    match = STATUS.match(response)
    assert match is not None, response[:200]
    return int(match.group(1))


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


def still_serves(server: SiteServer) -> None:
    response = exchange(server, get("/"))
    assert status(response) == 200 and response.endswith(PAGE)


MALFORMED = {
    "request line over 64 KB": (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
    "header over 64 KB": (b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
    "too many headers": (b"GET / HTTP/1.1\r\n" + b"X-A: 1\r\n" * 150 + b"\r\n", 431),
    "garbage request line": (b"\x16\x03\x01\x02\x00garbage\r\n\r\n", 400),
    "no version": (b"GET\r\n\r\n", 400),
    "bad version": (b"GET / HTTP/9.x\r\n\r\n", 400),
    "unknown method": (b"BREW / HTTP/1.1\r\n\r\n", 501),
    "5,000-digit range": (get("/a/a.mp3", "Range: bytes=" + "9" * 5000 + "-"), 200),
    "range past the end": (get("/a/a.mp3", "Range: bytes=20000-"), 416),
    "reversed range": (get("/a/a.mp3", "Range: bytes=500-100"), 416),
    "%00 in the path": (get("/index.html%00.mp3"), 400),
    "NUL in the path": (b"GET /index\x00.html HTTP/1.1\r\n\r\n", 400),
    "dot-dot": (get("/../../../../etc/passwd"), 404),
    "encoded dot-dot": (get("/%2e%2e/%2e%2e/%2e%2e/etc/passwd"), 404),
    "link to a file outside": (get("/passwd"), 404),
    "link to a folder outside": (get("/etc/passwd"), 404),
    "listing a linked folder": (get("/etc/"), 404),
    "listing a folder": (get("/bare/"), 404),
    "absolute URL": (get("http://evil.example/etc/passwd"), 404),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_request_gets_its_error_response_and_no_traceback(
        server: SiteServer, case: str, capfd: pytest.CaptureFixture[str]) -> None:
    data, expected = MALFORMED[case]
    response = exchange(server, data)
    assert status(response) == expected, response[:300]
    assert b"root:x:0:0" not in response and b"secret.txt" not in response
    still_serves(server)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Error" not in err, err


def test_ranges_and_links_inside_the_site(server: SiteServer) -> None:
    response = exchange(server, get("/a/a.mp3", "Range: bytes=1000-1999"))
    assert status(response) == 206
    head, body = response.split(b"\r\n\r\n", 1)
    assert b"Content-Range: bytes 1000-1999/10240" in head and body == AUDIO[1000:2000]
    response = exchange(server, get("/inside.mp3", "Range: bytes=-16"))
    assert status(response) == 206 and response.endswith(AUDIO[-16:])


def test_an_idle_connection_is_closed(site: Path) -> None:
    assert serve.IDLE_SECONDS <= 30
    quick = make_server(site, port=0, quiet=True, idle=1.0)
    thread = threading.Thread(target=quick.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(quick.server_address[:2], timeout=10) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\n")  # and then nothing
            started = time.monotonic()
            data = conn.recv(65536)
            while data and conn.recv(65536):
                pass
            assert time.monotonic() - started < 5
    finally:
        quick.shutdown()
        quick.server_close()
        thread.join(timeout=10)


def test_handler_threads_are_bounded(server: SiteServer) -> None:
    """Four idle connections hold the four handlers; a fifth is told 503 at once, and once the
    idle ones are closed, requests are served again."""
    idle = [socket.create_connection(server.server_address[:2], timeout=10) for _ in range(4)]
    try:
        for conn in idle:
            conn.sendall(b"GET / HTTP/1.1\r\n")
        time.sleep(0.5)
        assert threading.active_count() < 20
        response = exchange(server, get("/"), timeout=5)
        assert status(response) == 503
    finally:
        for conn in idle:
            conn.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if status(exchange(server, get("/"))) == 200:
            break
        time.sleep(0.2)
    still_serves(server)


def test_the_server_listens_on_loopback_only(server: SiteServer) -> None:
    assert server.server_address[0] == "127.0.0.1"


# --- fuzz target: any request ------------------------------------------------------------------

TOKEN = st.sampled_from(["GET", "HEAD", "POST", "get", "", " ", "/", "/a/a.mp3", "/..", "%00",
                         "%2e%2e", "HTTP/1.1", "HTTP/1.0", "HTTP/2", "\t", "\x00", "\x1b[2J",
                         "Range: bytes=", "0-", "-5", "9" * 30, "Host: x", "Expect: 100",
                         "Transfer-Encoding: chunked", "Content-Length: -1", ":", "\r\n"])
REQUEST = st.one_of(
    st.lists(TOKEN, max_size=12).map(lambda parts: " ".join(parts) + "\r\n\r\n"),
    st.text(max_size=300).map(lambda text: text + "\r\n\r\n"),
).map(lambda text: text.encode("utf-8", "surrogatepass"))


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(REQUEST | st.binary(max_size=300))
def test_any_request_gets_a_response_or_a_clean_close(
        server: SiteServer, capfd: pytest.CaptureFixture[str], data: bytes) -> None:
    response = exchange(server, data)
    if response:  # nothing at all is a clean close (an empty request)
        assert status(response) in {200, 206, 301, 400, 404, 405, 414, 416, 431, 501, 503}, \
            response[:200]
    assert b"root:x:0:0" not in response
    err = capfd.readouterr().err
    assert "Traceback" not in err, err
