"""Naming a legacy site's platform from URL and HTML markers (mappings/platforms/*.yml `detect`),
with the evidence used."""
from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector


@dataclass
class Detection:
    platform: str
    score: int
    evidence: list[str] = field(default_factory=list)


def detect_platform(url: str, html: str, platforms: dict) -> tuple[Detection, list[Detection]]:
    """(best, all candidates best first). URL markers count in the page URL and in its links;
    HTML markers in the markup. A site matching nothing is `generic`."""
    links = " ".join(Selector(text=html).css("a::attr(href), link::attr(href), script::attr(src)").getall())
    results = []
    for name, platform in platforms.items():
        evidence = []
        for marker in platform.detect.get("url", []):
            if marker in url:
                evidence.append(f"URL has {marker!r}")
            elif marker in links:
                evidence.append(f"links have {marker!r}")
        for marker in platform.detect.get("html", []):
            if marker in html:
                evidence.append(f"HTML has {marker!r}")
        if evidence:
            results.append(Detection(name, len(evidence), evidence))
    results.sort(key=lambda d: (-d.score, d.platform))
    best = results[0] if results else Detection("generic", 0, ["no platform marker found"])
    return best, results
