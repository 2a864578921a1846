"""One HTML body for portals that keep a single body per item: the migrated body, the legal
document's fields as a table, the files not already linked from the body, the author; and
dates as those portals take them (UTC). Pure."""
from __future__ import annotations

import datetime as dt
import html
from functools import lru_cache

import jinja2

from portalize.transform.safe_urls import safe_url

DOCUMENT_LABELS = (("number", "Số ký hiệu"), ("type", "Hình thức văn bản"), ("issuer", "Cơ quan ban hành"),
                   ("signer", "Người ký"), ("issued", "Ngày ban hành"), ("effective", "Ngày hiệu lực"),
                   ("expiry", "Ngày hết hiệu lực"), ("status", "Tình trạng hiệu lực"), ("abstract", "Trích yếu"),
                   ("field", "Lĩnh vực"))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("portalize.loaders", "templates"),
                             autoescape=True, keep_trailing_newline=False)
    env.filters["safe_url"] = safe_url  # every href a template writes: the URL, or None (no link)
    return env


def document_rows(fields: dict) -> list[tuple[str, str]]:
    document = fields.get("document") or {}
    return [(label, document[key]) for key, label in DOCUMENT_LABELS if document.get(key)]


def unlinked_files(fields: dict) -> list[dict]:
    body = fields.get("body_html") or ""
    return [a for a in fields.get("attachments") or [] if (a.get("portal_url") or a["url"]) not in body]


def post_content(fields: dict) -> str:
    return environment().get_template("post_content.html").render(
        f=fields, document=document_rows(fields), files=unlinked_files(fields)).strip()


def post_parts(key: str, digest: str, fields: dict) -> dict:
    """What a one-body portal is sent for an item: `content` (body, document table, files,
    author), `body` (the content and the identity marker), and `title` and `summary` escaped:
    they are plain text, and portals such as WordPress take HTML there (unfiltered for a super
    admin), so markup in a legacy title stays inert."""
    from .marker import marked
    content = post_content(fields)
    title = html.escape(fields.get("title") or "", quote=False)
    return {"content": content, "title": title, "body": marked(key, digest, title, content),
            "summary": html.escape(fields.get("summary") or "", quote=False)}


def parse_iso(value: str | None) -> dt.datetime | None:
    """An ISO date or time as the articles carry it, or None (empty, or not one)."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def gmt(value: str | None) -> str | None:
    """An ISO date with its offset, as WordPress's date_gmt (UTC, no offset)."""
    moment = parse_iso(value)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))  # Vietnam, no daylight saving
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
