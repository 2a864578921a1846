"""The embedded portal's read-only web front (`portalize portal serve`)."""
from __future__ import annotations

from ..loaders.registry import serve_front
from . import context


def serve_portal(host: str = "127.0.0.1", port: int = 8080, ready=None) -> None:
    """Serve the portal's home, each subsite with its content groups, item pages, files and the
    interim-links list, read-only, until interrupted. `ready(port)` is called once it listens."""
    serve_front(context.load().portal, host, port, ready)
