"""What people read: the plan (terminal and self-contained HTML) and the progress table."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console
from rich.table import Table

from . import config

ACTION_NAMES = {"create": "Tạo mới", "update": "Cập nhật", "unchanged": "Không đổi", "skip": "Bỏ qua",
                "conflict": "Xung đột"}
ACTION_LABELS = [("create", "tạo mới / create"), ("update", "cập nhật / update"), ("unchanged", "không đổi / unchanged"),
                 ("skip", "bỏ qua / skip"), ("conflict", "xung đột / conflict")]
PLAN_STATUS_NAMES = {"pending": "chờ áp dụng", "applying": "đang áp dụng", "applied": "đã áp dụng",
                     "superseded": "đã được thay bằng kế hoạch mới"}
LEVEL_NAMES = {"department": "Sở, ban, ngành", "district": "Cấp huyện", "commune": "Cấp xã", "other": "Khác"}
STATE_NAMES = {"registered": "đã đăng ký", "linked": "đã gắn liên kết", "crawled": "đã thu thập",
               "loaded": "đã chuyển lên cổng", "archived": "đã lưu trữ", "unregistered": "chưa đăng ký"}

_env = Environment(loader=PackageLoader("portalize", "templates"), autoescape=select_autoescape())


def write_csv(name: str, header: list[str], rows) -> Path:
    """A report people open in Excel: var/reports/NAME, UTF-8 with a BOM so Vietnamese reads right."""
    reports = config.var_dir() / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / name
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_plan_html(plan, entries, agency, registry, portal_name: str, warnings: dict | None = None) -> Path:
    """The plan as a self-contained HTML page for review; `warnings` (uid -> the transform's
    warnings) are shown on the entries that write something."""
    out = config.var_dir() / "plans"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"plan-{plan.id}-{agency.code}.html"
    created = plan.created_at.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m/%Y %H:%M (GMT+7)")
    html = _env.get_template("plan.html").render(
        plan=plan, entries=entries, agency=agency, summary=plan.summary, labels=ACTION_LABELS,
        action_names=ACTION_NAMES, status_names=PLAN_STATUS_NAMES, created=created, portal_name=portal_name,
        warnings=warnings or {},
        profile_title=registry.profile.title, deadline=registry.profile.deadline.strftime("%d/%m/%Y"))
    path.write_text(html, encoding="utf-8")
    return path


def print_plan(console: Console, plan, entries, agency, html_path: Path, max_diffs: int = 3) -> None:
    s = plan.summary
    console.print(f"[bold]Plan {plan.id}[/] for {agency.code} ({agency.name}): "
                  f"[green]{s['create']} create[/], [yellow]{s['update']} update[/], {s['unchanged']} unchanged, "
                  f"{s['skip']} skip, [red]{s['conflict']} conflict[/]")
    if s.get("unresolved_links"):
        console.print(f"  {s['unresolved_links']} link(s) to legacy pages that are not migrated are kept as they are; "
                      "they are listed in the HTML review")
    shown = 0
    for e in entries:
        if e.action in ("unchanged",) or shown >= max_diffs:
            continue
        shown += 1
        console.print(f"  [bold]{e.action:<9}[/] {e.title}  [dim]{e.uid}[/]")
        if e.reason:
            console.print(f"            {e.reason}")
        for change in e.diff[:4]:
            if change.get("lines"):
                for line in change["lines"][2:8]:
                    console.print(f"            {line}", markup=False, highlight=False)
            else:
                console.print(f"            {change['field']}: {change['old'][:60]!r} -> {change['new'][:60]!r}",
                              markup=False, highlight=False)
    rest = sum(1 for e in entries if e.action != "unchanged") - shown
    if rest > 0:
        console.print(f"  … and {rest} more entries in the HTML review")
    console.print(f"  Review: {html_path}")


def days_phrase(deadline: dt.date | None, today: dt.date) -> str:
    if deadline is None:
        return "—"
    delta = (deadline - today).days
    if delta >= 0:
        return f"còn {delta} ngày"
    return f"quá hạn {-delta} ngày"


PROGRESS_HEADERS = ("Mã", "Đơn vị", "Cấp", "Trạng thái", "Trang", "Bài đã chuẩn hóa", "Bỏ qua",
                    "Đã chuyển", "Hạn đơn vị", "Còn / quá hạn")


def progress_table(rows: list[dict], registry, today: dt.date) -> Table:
    deadline = registry.profile.deadline
    table = Table(title=f"Tiến độ chuyển đổi — hạn theo quy định {deadline:%d/%m/%Y} "
                        f"({days_phrase(deadline, today)})", title_justify="left")
    for header in PROGRESS_HEADERS:
        table.add_column(header, overflow="fold", no_wrap=header in ("Trạng thái", "Còn / quá hạn", "Hạn đơn vị"))
    for r in rows:
        table.add_row(*[str(v) for v in progress_cells(r, deadline, today)])
    return table


def progress_cells(r: dict, deadline: dt.date, today: dt.date) -> list:
    return [r["code"], r["name"], LEVEL_NAMES.get(r["level"], r["level"]),
            STATE_NAMES.get(r["state"], r["state"]) + (" (chỉ lưu trữ)" if r["disposition"] == "archive-only" else ""),
            r["pages"], r["staged"], r["skipped"], r["loaded"],
            r["target_date"].strftime("%d/%m/%Y") if r["target_date"] else "—",
            days_phrase(r["target_date"] or deadline, today)]


def write_progress_xlsx(path: Path, rows: list[dict], registry, today: dt.date) -> Path:
    """The progress table as a spreadsheet to hand to leadership."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    deadline = registry.profile.deadline
    book = Workbook()
    sheet = book.active
    sheet.title = "Tiến độ"
    sheet.append([f"Tiến độ chuyển đổi trang thông tin điện tử — {registry.profile.title}"])
    sheet.append([f"Hạn theo quy định: {deadline:%d/%m/%Y} ({days_phrase(deadline, today)}); "
                  f"số liệu ngày {today:%d/%m/%Y}"])
    sheet.append([])
    sheet.append(list(PROGRESS_HEADERS))
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append(progress_cells(r, deadline, today))
    for column, width in zip("ABCDEFGHIJ", (14, 36, 16, 22, 8, 10, 8, 10, 12, 18)):
        sheet.column_dimensions[column].width = width
    book.save(path)
    return path
