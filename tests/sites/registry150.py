"""A registry of 150 units of a province after the 2025 mergers, as mapping files: 20
departments, 10 former district People's Committees (abolished in 2025: archive-only), 120
communes merged three into one successor commune; two former provinces; target dates and
milestones spread over 2024-2027. Every legacy site is the generated NukeViet site on a local
server, reached by its own host name through `--origin` (PORTALIZE_ORIGINS)."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path


PROVINCES = ("Thừa Thiên Huế", "Quảng Trị")
DISTRICTS = ("Phú Lộc", "Hương Thủy", "Nam Đông", "A Lưới", "Phong Điền", "Quảng Điền", "Phú Vang", "Hương Trà",
             "Gio Linh", "Vĩnh Linh")


def unit(code: str, name: str, level: str, n: int, **extra) -> str:
    lines = [f"code: {code}", f"name: {name}", f"level: {level}", "platform: nukeviet", "robots: false",
             f"legacy: {{base_urls: ['http://{code}.tinhmau.gov.vn/vi/'], hosts: [{code}.tinhmau.gov.vn]}}",
             f"target: {{subsite: {name}, path: /web/{code}}}"]
    target = dt.date(2024, 6, 30) + dt.timedelta(days=(n * 37) % 1100)
    lines.append(f"target_date: {target.isoformat()}")
    for key, value in extra.items():
        lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def write_registry(root: Path, shipped: Path) -> list[dict]:
    """The shipped mappings without their agencies, plus 150 agency files; returns the units."""
    shutil.copytree(shipped, root)
    for path in (root / "agencies").glob("*.yml"):
        path.unlink()
    units = []
    for i in range(20):
        code = f"so-{i + 1:02d}"
        units.append({"code": code, "level": "department", "text": unit(
            code, f"Sở thử nghiệm số {i + 1}", "department", i,
            former=f"{{province: {PROVINCES[i % 2]}}}",
            milestones=f"{{link: 2023-0{1 + i % 9}-15, cutover: 2027-0{1 + i % 9}-01}}")})
    for i, district in enumerate(DISTRICTS):
        code = f"huyen-{i + 1:02d}"
        units.append({"code": code, "level": "district", "archive_only": True, "text": unit(
            code, f"UBND huyện {district}", "district", 20 + i, disposition="archive-only",
            former=f"{{province: {PROVINCES[0 if i < 8 else 1]}, district: {district}}}")})
    for i in range(120):
        code = f"xa-{i + 1:03d}"
        district = DISTRICTS[i % 10]
        units.append({"code": code, "level": "commune", "text": unit(
            code, f"UBND xã thử nghiệm {i + 1}", "commune", 30 + i,
            successor=f"UBND xã {district} mới {i // 30 + 1}",
            former=f"{{province: {PROVINCES[0 if i % 10 < 8 else 1]}, district: {district}}}")})
    for u in units:
        (root / "agencies" / f"{u['code']}.yml").write_text(u["text"], encoding="utf-8")
    return units


def origins(units, server_url: str) -> str:
    """PORTALIZE_ORIGINS for every unit's legacy host."""
    return ",".join(f"{u['code']}.tinhmau.gov.vn={server_url}" for u in units)
