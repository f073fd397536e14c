"""Run the studio: uvicorn on 127.0.0.1 at a free port, in this thread or a background one."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .. import pipeline
from ..errors import VoiceguideError
from .app import Studio, create_app
from .files import Folder

HOST = "127.0.0.1"


@dataclass
class Running:
    """A started studio: its address (with the token) and how to stop it."""

    url: str
    studio: Studio
    server: object
    thread: threading.Thread | None

    def stop(self) -> None:
        """Stop serving and wait for the server thread."""
        self.server.should_exit = True  # type: ignore[attr-defined]
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.studio.speaker.close()


def bind(port: int) -> socket.socket:
    """A listening socket on the loopback address (port 0: a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise VoiceguideError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}.\n"
                              "  Fix: choose another port with --port, or leave it out") from None
    sock.listen(64)
    return sock


def start(folder: Path, options: pipeline.Options | None = None, port: int = 0,
          background: bool = True) -> Running:
    """Start the studio on ``folder``. With ``background`` it serves from a thread and this
    returns once it answers; without, call ``serve`` on the result (blocks until Ctrl-C)."""
    import uvicorn

    sock = bind(port)
    actual = sock.getsockname()[1]
    studio = Studio(Folder.open(folder), secrets.token_urlsafe(24), actual,
                    options or pipeline.Options())
    config = uvicorn.Config(create_app(studio), log_level="warning", access_log=False,
                            lifespan="off", server_header=False)
    server = uvicorn.Server(config)
    url = f"http://{HOST}:{actual}/?token={studio.token}"
    if not background:
        running = Running(url, studio, server, None)
        running.sock = sock  # type: ignore[attr-defined]
        return running
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="voiceguide-studio")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    return Running(url, studio, server, thread)


def serve(running: Running) -> None:
    """Serve a studio started with ``background=False`` until Ctrl-C."""
    try:
        running.server.run(sockets=[running.sock])  # type: ignore[attr-defined]
    finally:
        running.studio.speaker.close()
