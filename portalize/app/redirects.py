"""Cut-over redirects of one agency (`portalize redirects AGENCY --format nginx|apache|csv`)."""
from __future__ import annotations

from pathlib import Path

from ..core import config
from ..core.errors import NothingStaged, UsageProblem
from ..core.ledger import agencies as agency_store
from ..core.ledger.db import transaction
from ..loaders.redirects import FORMATS, printable, redirects_of, render
from . import context
from .results import RedirectsResult

_SUFFIX = {"nginx": "nginx.conf", "apache": "apache.conf", "csv": "csv"}


def redirects(code: str, fmt: str = "nginx", output: str | Path | None = None) -> RedirectsResult:
    """Every migrated legacy URL of the agency -> its portal URL (301), its list pages -> the
    subsite's home, and what was not migrated -> 410 with the archive's location; written as an
    nginx map, Apache rewrite rules or CSV (var/redirects/ unless `output` is given). Rows that
    cannot be written safely into the server's configuration are listed in `left_out` with
    their reasons (the CSV export keeps every row)."""
    if fmt not in FORMATS:
        raise UsageProblem(f"unknown format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
    registry = context.load()
    agency = registry.agency(code)
    with transaction() as session:
        archived = agency_store.last_event(session, code, "archived")
        rows, refused = redirects_of(session, agency, registry.portal.get("base_url", "https://portal.example"),
                                     (archived or {}).get("path"))
    if not rows:
        raise NothingStaged(f"agency {code}: nothing migrated or staged yet, so no redirect to export",
                            f"run `portalize apply` for {code} first (after crawl, transform and plan)")
    path = Path(output) if output else config.var_dir() / "redirects" / f"redirects-{code}.{_SUFFIX[fmt]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    text, left_out = render(rows, fmt, code)  # rows no server rule can hold safely: reported, never dropped
    path.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    with transaction() as session:  # evidence for progress: the 301 and 410 lists are published
        agency_store.record_event(session, code, "redirects-exported", format=fmt, path=str(path),
                                  moved=sum(r.status == 301 for r in rows), gone=sum(r.status == 410 for r in rows),
                                  left_out=len(left_out))
    return RedirectsResult(agency=code, format=fmt, path=str(path), moved=sum(r.status == 301 for r in rows),
                           gone=sum(r.status == 410 for r in rows), refused=len(refused),
                           left_out=[{"legacy_url": printable(r.legacy), "reason": r.reason} for r in left_out])
