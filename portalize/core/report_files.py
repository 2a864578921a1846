"""Report files people open in Excel, under var/reports/."""
from __future__ import annotations

import csv
from pathlib import Path

from . import config


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value a spreadsheet will never run as a formula (OWASP's rule for CSV injection): text
    starting with = + - @, a tab or a carriage return gets a leading apostrophe. Legacy titles
    such as `=HYPERLINK(...)` reach reports as they were written."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(name: str, header: list[str], rows) -> Path:
    """var/reports/NAME, UTF-8 with a BOM so Vietnamese reads right in Excel; every cell safe
    from formula injection."""
    reports = config.var_dir() / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / name
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow([safe_cell(v) for v in header])
        writer.writerows([safe_cell(v) for v in row] for row in rows)
    return path
