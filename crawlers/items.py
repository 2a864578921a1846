"""What the spider hands to the pipeline: one fetched URL of a legacy site."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageItem:
    url: str                 # canonical URL
    kind: str                # item | list | asset
    status: int | None       # HTTP status, None when no response came back
    body: bytes = field(default=b"", repr=False)
    content_type: str | None = None
    headers: dict = field(default_factory=dict, repr=False)
    referer: str | None = None
    error: str | None = None
