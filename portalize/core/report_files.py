"""Report files people open in Excel, under var/reports/."""
from __future__ import annotations

import csv
from pathlib import Path

from . import config


def write_csv(name: str, header: list[str], rows) -> Path:
    """var/reports/NAME, UTF-8 with a BOM so Vietnamese reads right in Excel."""
    reports = config.var_dir() / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / name
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path
