"""`factbot site --serve`: the built site on 127.0.0.1, for a quick look (never on a network)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No line per request on the terminal."""


def make_server(folder: Path, port: int = 8000) -> ThreadingHTTPServer:
    """A server for `folder` on 127.0.0.1 (port 0: any free port; see `server_address`)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    return ThreadingHTTPServer((HOST, port), handler)
