"""Report files people read and hand on: the plan review (self-contained HTML) and the
progress spreadsheet. Terminal formatting lives in the CLI (portalize/cli/format.py)."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..core import config
from ..core.report_files import safe_cell
from ..transform.safe_urls import safe_url
from .warnings_vi import in_vietnamese

ACTION_NAMES = {"create": "Tạo mới", "update": "Cập nhật", "restore": "Khôi phục", "delete": "Xóa",
                "unchanged": "Không đổi", "skip": "Bỏ qua", "conflict": "Xung đột"}
ACTION_LABELS = [("create", "tạo mới / create"), ("update", "cập nhật / update"), ("restore", "khôi phục / restore"),
                 ("delete", "xóa / delete"), ("unchanged", "không đổi / unchanged"),
                 ("skip", "bỏ qua / skip"), ("conflict", "xung đột / conflict")]
PLAN_STATUS_NAMES = {"pending": "chờ áp dụng", "applying": "đang áp dụng", "applied": "đã áp dụng",
                     "superseded": "đã được thay bằng kế hoạch mới", "rolled-back": "đã hoàn tác"}
LEVEL_NAMES = {"department": "Sở, ban, ngành", "district": "Cấp huyện", "commune": "Cấp xã", "other": "Khác"}
STATE_NAMES = {"registered": "đã đăng ký", "linked": "đã gắn liên kết", "crawled": "đã thu thập",
               "loaded": "đã chuyển lên cổng", "verified": "đã kiểm tra đạt", "cut-over": "đã chuyển hướng tên miền cũ",
               "archived": "đã lưu trữ", "unregistered": "chưa đăng ký"}

_env = Environment(loader=PackageLoader("portalize.app", "templates"), autoescape=select_autoescape())
_env.filters["safe_url"] = safe_url  # every href of the review: the URL, or None (shown without a link)
_env.filters["csp_hash"] = lambda script: "sha256-" + base64.b64encode(hashlib.sha256(str(script).encode()).digest()).decode()


QUARANTINE_LABEL = "Cách ly: nghi nội dung rác SEO bị chèn"
EVIDENCE_NAMES = {"hidden": "Khối bị ẩn với người đọc", "off-topic": "Khối liên kết không thuộc nội dung bài",
                  "cloaking": "Trả nội dung khác cho Googlebot (cloaking)"}

FIELD_NAMES = {"title": "Tiêu đề", "date": "Ngày đăng", "category": "Chuyên mục", "body": "Nội dung",
               "author": "Tác giả", "summary": "Tóm tắt"}


def write_plan_html(plan, entries, agency, registry, portal_name: str, warnings: dict | None = None,
                    quality=None, accepted_quality: str | None = None, previews: dict | None = None,
                    quarantine: dict | None = None) -> Path:
    """The plan as a self-contained HTML page for review; `warnings` (uid -> the transform's
    warnings) are shown on the entries that write something; `quarantine` (uid -> evidence of
    injected spam) on the entries it concerns, with the command that lifts it."""
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
        previews=previews or {}, group_names={g.code: g.name for g in registry.profile.groups},
        in_vietnamese=in_vietnamese, quarantine=quarantine or {}, evidence_names=EVIDENCE_NAMES,
        quarantine_label=QUARANTINE_LABEL)
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
            r.pages, r.staged, r.skipped, r.loaded, *_content_due(r, deadline, today)]


def _content_due(r, deadline: dt.date, today: dt.date) -> list[str]:
    """The unit's content deadline (as last moved) and the days left or overdue."""
    content = r.milestones.get("content") if r.milestones else None
    due = dt.date.fromisoformat(content["date"]) if content else (r.target_date or deadline)
    if content and content["done"]:
        return [due.strftime("%d/%m/%Y"), "đã xong"]
    return [due.strftime("%d/%m/%Y"), days_phrase(due, today)]


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


# -- the progress dashboard and CSV ---------------------------------------------------------
PROGRESS_LABELS = {
    "vi": {"title": "Tiến độ chuyển đổi trang thông tin điện tử", "deadline": "Hạn", "today": "Hôm nay",
           "burn": "Số đơn vị chưa hoàn thành theo thời gian", "statutory": "Hạn theo quy định",
           "units": "đơn vị", "done": "hoàn thành", "open": "chưa hoàn thành", "overdue": "quá hạn",
           "by_level": "Theo cấp", "by_successor": "Theo đơn vị sau sắp xếp", "by_province": "Theo tỉnh cũ",
           "most_overdue": "Đơn vị quá hạn nhiều nhất", "most_left": "Đơn vị còn nhiều bài chưa chuyển",
           "units_detail": "Từng đơn vị: bằng chứng và lịch sử",
           "most_unaccounted": "Đơn vị còn nhiều địa chỉ cũ chưa được xử lý (theo lần kiểm tra gần nhất)",
           "unaccounted": "Địa chỉ cũ chưa xử lý", "never_verified": "Chưa đơn vị nào được kiểm tra (portalize verify)", "code": "Mã", "name": "Đơn vị", "level": "Cấp",
           "state": "Trạng thái", "successor": "Đơn vị sau sắp xếp", "former_province": "Tỉnh cũ",
           "former_district": "Huyện cũ", "pages": "Trang đã thu thập", "staged": "Bài đã chuẩn hóa",
           "loaded": "Bài đã chuyển", "left": "Còn lại", "milestone": "Mốc", "date": "Ngày", "days": "Còn / quá hạn",
           "link": "Gắn liên kết", "content": "Chuyển nội dung", "cutover": "Chuyển hướng tên miền cũ",
           "evidence": "Bằng chứng", "history": "Lịch sử", "changed": "đổi hạn", "archive_only": "chỉ lưu trữ",
           "quality": "chấp nhận vượt ngưỡng chất lượng", "generated": "Số liệu ngày", "none": "—",
           "days_left": "còn {n} ngày", "days_over": "quá hạn {n} ngày", "is_done": "đã xong",
           "not_given": "(chưa ghi)"},
    "en": {"title": "Website conversion progress", "deadline": "Deadline", "today": "Today",
           "burn": "Units not done over time", "statutory": "Statutory deadline", "units": "units", "done": "done",
           "open": "open", "overdue": "overdue", "by_level": "By level", "by_successor": "By successor unit",
           "by_province": "By former province", "most_overdue": "Most overdue units",
           "most_left": "Units with the most articles left", "units_detail": "Each unit: evidence and history",
           "most_unaccounted": "Units with the most legacy URLs not accounted for (at their last verify)",
           "unaccounted": "Legacy URLs not accounted for", "never_verified": "No unit verified yet (portalize verify)",
           "code": "Code", "name": "Unit", "level": "Level", "state": "State", "successor": "Successor unit",
           "former_province": "Former province", "former_district": "Former district", "pages": "Pages crawled",
           "staged": "Articles staged", "loaded": "Articles loaded", "left": "Left", "milestone": "Milestone",
           "date": "Date", "days": "Days left / overdue", "link": "Interim link", "content": "Content loaded",
           "cutover": "Legacy host redirected", "evidence": "Evidence", "history": "History", "changed": "date moved",
           "archive_only": "archive only", "quality": "quality gate overridden", "generated": "Figures of",
           "none": "—", "days_left": "{n} days left", "days_over": "{n} days overdue", "is_done": "done",
           "not_given": "(not given)"},
}
STATE_NAMES_EN = {"unregistered": "not registered", "registered": "registered", "linked": "linked",
                  "crawled": "crawled", "loaded": "loaded", "verified": "verified", "cut-over": "cut over",
                  "archived": "archived"}
LEVEL_NAMES_EN = {"department": "Department", "district": "District", "commune": "Commune", "other": "Other"}


def _names(lang: str):
    return (PROGRESS_LABELS[lang], STATE_NAMES if lang == "vi" else STATE_NAMES_EN,
            LEVEL_NAMES if lang == "vi" else LEVEL_NAMES_EN)


def _days(milestone: dict, labels: dict) -> str:
    if milestone["done"]:
        return labels["is_done"]
    n = milestone["days"]
    return labels["days_left"].format(n=n) if n >= 0 else labels["days_over"].format(n=-n)


def _dmy(iso: str | None) -> str:
    return dt.date.fromisoformat(iso[:10]).strftime("%d/%m/%Y") if iso else "—"


def progress_table(rows, lang: str) -> tuple[list[str], list[list]]:
    """(headers, rows) of the progress report, as people read it (CSV, and the dashboard)."""
    labels, states, levels = _names(lang)
    headers = [labels[k] for k in ("code", "name", "level", "state", "successor", "former_province",
                                   "former_district", "pages", "staged", "loaded", "left")]
    for name in ("link", "content", "cutover"):
        headers += [f"{labels[name]}: {labels['date']}", f"{labels[name]}: {labels['days']}"]
    out = []
    for r in rows:
        state = states.get(r.state, r.state) + (f" ({labels['archive_only']})" if r.disposition == "archive-only" else "")
        if r.quality_override:
            state += f" ({labels['quality']}: {r.quality_override})"
        cells = [r.code, r.name, levels.get(r.level, r.level), state, r.successor or "", r.former_province or "",
                 r.former_district or "", r.pages, r.staged, r.loaded, max(0, r.staged - r.loaded)]
        for name in ("link", "content", "cutover"):
            m = r.milestones.get(name)
            cells += [_dmy(m["date"]), _days(m, labels)] if m else ["—", "—"]
        out.append(cells)
    return headers, out


def write_progress_csv(path: Path, rows, registry, today: dt.date, lang: str = "vi") -> Path:
    """The progress table as CSV (UTF-8 with BOM, so a spreadsheet shows Vietnamese right); no
    cell can run as a formula."""
    import csv
    headers, table = progress_table(rows, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        for cells in table:
            writer.writerow([safe_cell(c) for c in cells])
    return path


def write_progress_html(path: Path, rows, registry, today: dt.date, lang: str = "vi") -> Path:
    """A self-contained dashboard for leadership: a burn-down against the deadline, status by
    level, by successor unit and by former province, the most overdue units, the units with the
    most left, and each unit's evidence and history. Charts are inline SVG; no script runs."""
    from .charts import STATE_COLOURS, burn_down, stacked_bars
    labels, states, levels = _names(lang)
    deadline = registry.profile.deadline
    order = ("unregistered", "registered", "linked", "crawled", "loaded", "verified", "cut-over", "archived")

    def grouped(key):
        groups: dict[str, dict[str, int]] = {}
        for r in rows:
            counts = groups.setdefault(key(r), {})
            counts[r.state] = counts.get(r.state, 0) + 1
        return sorted(groups.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))

    done_dates = [dt.date.fromisoformat(r.done_on) for r in rows if r.done_on]
    start = min([dt.date(2022, 8, 15), *done_dates])
    charts = {
        "burn": burn_down(done_dates, len(rows), start, deadline, today, labels),
        "level": stacked_bars(grouped(lambda r: levels.get(r.level, r.level)), order, states, labels["by_level"]),
        "successor": stacked_bars(grouped(lambda r: r.successor or r.name)[:25], order, states, labels["by_successor"]),
        "province": stacked_bars(grouped(lambda r: r.former_province or labels["not_given"]), order, states,
                                 labels["by_province"]),
    }
    headers, table = progress_table(rows, lang)
    overdue = sorted((r for r in rows if not r.done), key=lambda r: min(
        [m["days"] for m in r.milestones.values() if not m["done"]] or [10**6]))[:10]
    left = sorted((r for r in rows if r.staged - r.loaded > 0), key=lambda r: r.loaded - r.staged)[:10]
    unaccounted = sorted((r for r in rows if r.unaccounted), key=lambda r: -r.unaccounted)[:10]
    html = _env.get_template("progress.html").render(
        lang=lang, l=labels, states=states, levels=levels, rows=rows, headers=headers, table=table, charts=charts,
        today=today.strftime("%d/%m/%Y"), deadline=deadline.strftime("%d/%m/%Y"), profile=registry.profile.title,
        done=sum(r.done for r in rows), total=len(rows), overdue=overdue, left=left, colours=STATE_COLOURS,
        unaccounted=unaccounted,
        legend=order, overdue_count=sum(1 for r in rows if not r.done and any(
            m["days"] < 0 and not m["done"] for m in r.milestones.values())),
        days=lambda m: _days(m, labels), dmy=_dmy)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
