"""Looking closer at one page or one agency: extract, detect, mapping check, categories."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from urllib.parse import quote

from ..core.errors import NothingStaged, NotExtracted, UsageProblem
from ..core.ledger import staging
from ..core.ledger.db import transaction
from ..crawlers.fetch import fetch_page
from ..transform.decode import decode_html
from ..transform.extract import explain_fields
from ..transform.pipeline import Mapping, RawPage, transform_page
from ..transform.schema import SkippedPage
from . import context
from .detect import detect_platform
from .results import CategoryCount, Detection, FieldCheck
from .transform import mapping_for
from ..transform.taxonomy import build_index


def extract(source: str, page_url: str | None = None, agency: str | None = None,
            origins: dict | None = None) -> dict:
    """The canonical article (as a dict) for one saved HTML file or URL; with `agency`, through
    its mapping, else automatic extraction. Raises NotExtracted when the page gives none."""
    path = Path(source)
    hosts, robots, private = (), True, False
    registry = context.load() if agency else None
    record = registry.agency(agency) if registry else None
    if record:
        hosts, robots, private = record.hosts, record.obey_robots, record.local_test_host
    if path.is_file():
        body, content_type = path.read_bytes(), None
        # A saved file with no --url gets an address in the reserved .invalid domain: transform
        # takes only http(s) pages (transform.weburl), and this one names no real site.
        page_url = page_url or f"http://saved-page.invalid/{quote(path.name)}"
        fetched_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)  # saved then
    elif source.startswith(("http://", "https://")):
        page = fetch_page(source, origins, hosts, robots, private)
        body, content_type = page.body, page.content_type
        page_url = page_url or source
        fetched_at = dt.datetime.now(dt.timezone.utc)
    else:
        raise UsageProblem(f"{source!r} is neither a file nor an http(s) URL",
                           "give a saved HTML file or an http(s) address")
    if record:
        mapping, platform = mapping_for(registry, record), {"name": record.platform.name, "evidence": ["the agency's mapping"]}
    else:
        mapping, platform = _detected_mapping(page_url, body, content_type)
    result = transform_page(RawPage(page_url, 200, body, content_type, fetched_at), mapping)
    if isinstance(result, SkippedPage):
        raise NotExtracted(f"Not extracted: {result.reason} ({page_url})",
                           "look at the page with `portalize mapping check AGENCY URL`")
    return {**result.to_dict(), "platform": platform}


def _detected_mapping(url: str, body: bytes, content_type: str | None) -> tuple[Mapping, dict]:
    """With no agency, what a migration of the page's site would use: the platform detected from
    the page (as `agencies register` detects it) and its preset, with the fallback chain; with
    no platform marker, automatic extraction."""
    registry = context.load()
    html, _ = decode_html(body, content_type)
    best, _ = detect_platform(url, html, registry.platforms)
    platform = {"name": best.platform, "evidence": list(best.evidence)}
    if best.platform not in registry.platforms or best.platform == "generic":
        return Mapping(agency="extract"), platform
    preset = registry.platforms[best.platform]
    return Mapping(agency="extract", platform=preset.name, version=preset.version, fields=preset.fields,
                   drop_params=tuple(preset.discovery.get("drop_params") or ()),
                   group_index=build_index(registry.profile.groups, {}), hints=preset.classify,
                   item_url_patterns=tuple(preset.discovery.get("item_url_patterns") or ())), platform


def detect(url: str, origins: dict | None = None) -> Detection:
    """Name the platform of a legacy site from URL and HTML markers, with the evidence."""
    page = fetch_page(url, origins)
    html, _ = decode_html(page.body, page.content_type)
    best, candidates = detect_platform(url, html, context.load().platforms)
    return Detection(url=url, platform=best.platform, score=best.score, evidence=list(best.evidence),
                     candidates=[dataclasses.asdict(c) for c in candidates])


def check_mapping(agency: str, url: str, origins: dict | None = None) -> FieldCheck:
    """Every field of one page: each selector in order, what it yields, which one is used."""
    record = context.load().agency(agency)
    page = fetch_page(url, origins, record.hosts, record.obey_robots, record.local_test_host)
    html, warnings = decode_html(page.body, page.content_type)
    rows = explain_fields(html, record.platform.fields)
    missing = sorted({r["field"] for r in rows} - {r["field"] for r in rows if r["used"]} - {"attachments", "images"})
    return FieldCheck(url=url, agency=record.code, platform=record.platform.name, label=record.platform.label,
                      warnings=list(warnings), rows=rows, missing=missing)


def categories(agency: str) -> list[CategoryCount]:
    """The legacy categories of an agency's staged articles, their content group and counts."""
    record = context.load().agency(agency)
    with transaction() as session:
        counts = staging.category_counts(session, record.code)
    if not counts:
        raise NothingStaged(f"No staged articles for {record.code}.",
                            f"run `portalize transform {record.code}` (after `portalize crawl {record.code}`)")
    return [CategoryCount(legacy_category=c, group=g, count=n, mapped=g != "other") for (c, g), n in counts.most_common()]
