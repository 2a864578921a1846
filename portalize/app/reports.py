"""Report files people read and hand on: the plan review (self-contained HTML) and the
progress spreadsheet. Terminal formatting lives in the CLI (portalize/cli/format.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..core import config

ACTION_NAMES = {"create": "Tạo mới", "update": "Cập nhật", "restore": "Khôi phục", "delete": "Xóa",
                "unchanged": "Không đổi", "skip": "Bỏ qua", "conflict": "Xung đột"}
ACTION_LABELS = [("create", "tạo mới / create"), ("update", "cập nhật / update"), ("restore", "khôi phục / restore"),
                 ("delete", "xóa / delete"), ("unchanged", "không đổi / unchanged"),
                 ("skip", "bỏ qua / skip"), ("conflict", "xung đột / conflict")]
PLAN_STATUS_NAMES = {"pending": "chờ áp dụng", "applying": "đang áp dụng", "applied": "đã áp dụng",
                     "superseded": "đã được thay bằng kế hoạch mới", "rolled-back": "đã hoàn tác"}
LEVEL_NAMES = {"department": "Sở, ban, ngành", "district": "Cấp huyện", "commune": "Cấp xã", "other": "Khác"}
STATE_NAMES = {"registered": "đã đăng ký", "linked": "đã gắn liên kết", "crawled": "đã thu thập",
               "loaded": "đã chuyển lên cổng", "archived": "đã lưu trữ", "unregistered": "chưa đăng ký"}

_env = Environment(loader=PackageLoader("portalize.app", "templates"), autoescape=select_autoescape())


FIELD_NAMES = {"title": "Tiêu đề", "date": "Ngày đăng", "category": "Chuyên mục", "body": "Nội dung",
               "author": "Tác giả", "summary": "Tóm tắt"}


def write_plan_html(plan, entries, agency, registry, portal_name: str, warnings: dict | None = None,
                    quality=None, accepted_quality: str | None = None, previews: dict | None = None) -> Path:
    """The plan as a self-contained HTML page for review; `warnings` (uid -> the transform's
    warnings) are shown on the entries that write something."""
    out = config.var_dir() / "plans"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"plan-{plan.id}-{agency.code}.html"
    created = plan.created_at.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m/%Y %H:%M (GMT+7)")
    html = _env.get_template("plan.html").render(
        plan=plan, entries=entries, agency=agency, summary=plan.summary, labels=ACTION_LABELS,
        action_names=ACTION_NAMES, status_names=PLAN_STATUS_NAMES, created=created, portal_name=portal_name,
        warnings=warnings or {}, quality=quality.to_dict() if quality else None, field_names=FIELD_NAMES,
        accepted_quality=accepted_quality, quality_problems=quality.problems(agency.quality) if quality else [],
        profile_title=registry.profile.title, deadline=registry.profile.deadline.strftime("%d/%m/%Y"),
        previews=previews or {}, group_names={g.code: g.name for g in registry.profile.groups})
    path.write_text(html, encoding="utf-8")
    return path


def days_phrase(deadline: dt.date | None, today: dt.date) -> str:
    if deadline is None:
        return "—"
    delta = (deadline - today).days
    if delta >= 0:
        return f"còn {delta} ngày"
    return f"quá hạn {-delta} ngày"


PROGRESS_HEADERS = ("Mã", "Đơn vị", "Cấp", "Trạng thái", "Trang", "Bài đã chuẩn hóa", "Bỏ qua",
                    "Đã chuyển", "Hạn đơn vị", "Còn / quá hạn")


def progress_cells(r, deadline: dt.date, today: dt.date) -> list:
    """One agency's row of the progress table (an AgencyProgress), as people read it."""
    return [r.code, r.name, LEVEL_NAMES.get(r.level, r.level),
            STATE_NAMES.get(r.state, r.state) + (" (chỉ lưu trữ)" if r.disposition == "archive-only" else "")
            + (f" (chấp nhận vượt ngưỡng chất lượng: {r.quality_override})" if r.quality_override else ""),
            r.pages, r.staged, r.skipped, r.loaded,
            r.target_date.strftime("%d/%m/%Y") if r.target_date else "—",
            days_phrase(r.target_date or deadline, today)]


def write_progress_xlsx(path: Path, rows: list, registry, today: dt.date) -> Path:
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
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula (an agency named `=cmd|...` stays text)
    for column, width in zip("ABCDEFGHIJ", (14, 36, 16, 22, 8, 10, 8, 10, 12, 18)):
        sheet.column_dimensions[column].width = width
    book.save(path)
    return path
