"""A local server to look at a site: loopback only, with byte ranges so the player can seek.

Built on the standard library's ``http.server``, with what a server facing any local program
needs: every malformed request gets its error response (400, 404, 414, 416, 431, 501; never a
traceback), no path resolves outside the site folder (symbolic links included) and folders are
never listed, an idle connection is closed after ``IDLE_SECONDS``, and at most ``MAX_HANDLERS``
connections are served at once (one more gets 503 and is closed).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from ..errors import InputError, VoiceguideError

HOST = "127.0.0.1"
RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")  # 18 digits: up to an exabyte
IDLE_SECONDS = 10.0  # a connection that sends nothing for this long is closed
MAX_HANDLERS = 32  # connections served at once
BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
        b"Connection: close\r\n\r\nBusy\n")


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site's files, with byte ranges (so the player can seek) and the right types."""

    extensions_map = {  # noqa: RUF012 (the base class declares it as an instance variable)
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mp3": "audio/mpeg", ".vtt": "text/vtt", ".json": "application/json",
        ".xml": "application/rss+xml", ".yaml": "text/yaml; charset=utf-8",
    }
    quiet: ClassVar[bool] = False
    timeout = IDLE_SECONDS  # socket timeout: an idle or trickling client is let go
    # every answer, an error to a garbled request line too, has a status line and headers (the
    # base class answers such lines HTTP/0.9 style, a bare body no client reads as an error)
    default_request_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)  # control characters escaped by the base class

    def _inside(self) -> Path | None:
        """The file or folder the request names, resolved (links followed), or None when it is
        outside the site folder, holds a NUL or cannot be resolved."""
        if "\0" in self.path or "%00" in self.path:
            return None
        try:
            path = Path(self.translate_path(self.path)).resolve()
            root = Path(self.directory).resolve()
        except (OSError, ValueError, RuntimeError):
            return None
        return path if path == root or root in path.parents else None

    def send_head(self) -> Any:
        path = self._inside()
        if path is None:
            self.send_error(404 if "\0" not in self.path and "%00" not in self.path else 400)
            return None
        if path.is_dir() and not (path / "index.html").is_file():
            self.send_error(404, "No listing of folders")
            return None
        match = RANGE.match((self.headers.get("Range") or "").strip())
        if match is None or not path.is_file() or match.group(0) == "bytes=-":
            return super().send_head()
        try:
            size = path.stat().st_size
        except OSError:
            self.send_error(404)
            return None
        first, last = match.groups()
        start = int(first) if first else max(0, size - int(last))
        end = min(int(last), size - 1) if first and last else size - 1
        if start >= size or start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        handle = path.open("rb")
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return _Limited(handle, end - start + 1)

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "No listing of folders")
        return None

    def end_headers(self) -> None:
        # ``headers`` is missing when the request line itself was refused (send_error then)
        headers = getattr(self, "headers", None)
        if headers is None or "Range" not in headers:
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


class _Limited:
    """A file object that reads at most ``left`` bytes (the end of a byte range)."""

    def __init__(self, handle: Any, left: int) -> None:
        self.handle, self.left = handle, left

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        data: bytes = self.handle.read(size)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


class SiteServer(http.server.ThreadingHTTPServer):
    """A threading server with a bounded number of handler threads and quiet connection errors
    (a client that hangs up mid-answer is not a traceback)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: Callable[..., Any],
                 max_handlers: int = MAX_HANDLERS) -> None:
        self.slots = threading.BoundedSemaphore(max_handlers)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError, socket.timeout)):
            return  # the client went away or went quiet: nothing to report
        if not getattr(self.RequestHandlerClass, "quiet", False):
            sys.stderr.write(f"voiceguide serve: a request failed: {error!r}\n")


def make_server(root: Path, port: int = 8000, quiet: bool = False,
                max_handlers: int = MAX_HANDLERS, idle: float = IDLE_SECONDS) -> SiteServer:
    """A server of ``root`` on the loopback address only (port 0: any free port), serving at
    most ``max_handlers`` connections at once and closing one idle for ``idle`` seconds."""
    if not (root / "index.html").is_file():
        raise InputError(f"{root} has no index.html.\n  Fix: build the site first with "
                         "'voiceguide site ROUTINES -o SITE --base-url URL'")
    handler_class = type("Handler", (SiteHandler,), {"quiet": quiet, "timeout": idle})
    handler = functools.partial(handler_class, directory=os.fspath(root))
    handler.quiet = quiet  # type: ignore[attr-defined]  # read by handle_error
    try:
        return SiteServer((HOST, port), handler, max_handlers)
    except OSError as exc:
        raise VoiceguideError(f"cannot serve on {HOST}:{port}: {exc.strerror or exc}.\n"
                              "  Fix: choose another port with --port") from None


def serve(root: Path, port: int = 8000, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve ``root`` at http://127.0.0.1:PORT/ until Ctrl-C."""
    server = make_server(root, port)
    try:
        if on_ready is not None:
            on_ready(f"http://{HOST}:{server.server_address[1]}/")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
