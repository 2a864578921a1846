"""Serving the bundled sample legacy sites on localhost (for trying portalize by hand)."""
from __future__ import annotations

from contextlib import contextmanager

from ..samples.server import SampleServer


@contextmanager
def serve_samples(port: int = 0):
    """A running sample server: `.url`, `.origins` (host -> address), `.thread`."""
    with SampleServer(port) as server:
        yield server
