"""A local server to look at a site: loopback only, with byte ranges so the player can seek."""

from __future__ import annotations

import functools
import http.server
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from ..errors import InputError, VoiceguideError

HOST = "127.0.0.1"
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site's files, with byte ranges (so the player can seek) and the right types."""

    extensions_map = {  # noqa: RUF012 (the base class declares it as an instance variable)
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mp3": "audio/mpeg", ".vtt": "text/vtt", ".json": "application/json",
        ".xml": "application/rss+xml", ".yaml": "text/yaml; charset=utf-8",
    }
    quiet: ClassVar[bool] = False

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def send_head(self) -> Any:
        match = RANGE.match(self.headers.get("Range", "").strip())
        path = Path(self.translate_path(self.path))
        if match is None or not path.is_file() or match.group(0) == "bytes=-":
            return super().send_head()
        size = path.stat().st_size
        first, last = match.groups()
        start = int(first) if first else max(0, size - int(last))
        end = min(int(last), size - 1) if first and last else size - 1
        if start >= size or start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
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

    def end_headers(self) -> None:
        if "Range" not in self.headers:
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


def make_server(root: Path, port: int = 8000, quiet: bool = False
                ) -> http.server.ThreadingHTTPServer:
    """A server of ``root`` on the loopback address only (port 0: any free port)."""
    if not (root / "index.html").is_file():
        raise InputError(f"{root} has no index.html.\n  Fix: build the site first with "
                         "'voiceguide site ROUTINES -o SITE --base-url URL'")
    handler = functools.partial(type("Handler", (SiteHandler,), {"quiet": quiet}),
                                directory=os.fspath(root))
    try:
        return http.server.ThreadingHTTPServer((HOST, port), handler)
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
