"""Rewriting links when a plan is built, like Drupal's migrate lookup: links and images that
point at legacy pages or files of any migrated agency become references ({{item:UID}},
{{asset:SHA256}}) that apply resolves to portal addresses once the targets exist; links to
legacy pages that are not migrated are listed, never silently kept."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from portalize.transform.embedded import KEY_PREFIX
from portalize.transform.fragments import inner_html, parse_fragment
from portalize.transform.markdown import markdown_destination, to_markdown
from portalize.transform.outline import link_slots
from portalize.transform.urls import canonical_url

from .base import item_fields


@dataclass
class UrlMap:
    """Legacy URL -> reference, for pages ({{item:UID}}) and files ({{asset:SHA256}})."""
    pages: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    legacy_hosts: set[str] = field(default_factory=set)
    drop_params: dict[str, tuple] = field(default_factory=dict)  # host -> parameters to drop
    copies: dict = field(default_factory=dict)  # uid -> CrossReference to the first publisher's item

    def canonical(self, url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        return canonical_url(url, self.drop_params.get(host, ()))

    def lookup(self, url: str) -> str | None:
        key = self.canonical(url)
        return self.pages.get(key) or self.files.get(key)

    def is_legacy(self, url: str) -> bool:
        return (urlsplit(url).hostname or "").lower() in self.legacy_hosts


class PlannedLinks:
    """The url map as one planned create saw it: its legacy links' references (None: no
    portal address), its files' and pasted images' references. Drives `rewrite_fields` to the
    same fields at apply as at plan, whatever was staged since."""

    def __init__(self, links: dict):
        self.pages: dict[str, str | None] = links.get("pages") or {}
        self.files: dict[str, str] = links.get("files") or {}

    def lookup(self, url: str) -> str | None:
        return self.pages.get(url)

    def is_legacy(self, url: str) -> bool:
        return url in self.pages


def plan_links(outline: dict, url_map: UrlMap) -> tuple[dict, list[str]]:
    """(the references an article's outline gets from the url map, for PlannedLinks; its legacy
    links with no portal address, as `rewrite_fields` lists them). Reads no body."""
    pages: dict[str, str | None] = {}
    files: dict[str, str] = {}
    for value in outline.get("links") or []:
        if value.startswith(KEY_PREFIX):
            if url_map.files.get(value):
                files[value] = url_map.files[value]
        elif url_map.is_legacy(value):
            pages[value] = url_map.lookup(value)
    for asset in (outline.get("attachments") or []) + (outline.get("images") or []):
        if url_map.files.get(asset["url"]):
            files[asset["url"]] = url_map.files[asset["url"]]
    links = {k: v for k, v in (("pages", pages), ("files", files)) if v}
    return links, [url for url, target in pages.items() if not target]


def derive_fields(article: dict, links: dict) -> dict:
    """The fields a create planned from its outline writes: the article's item fields with its
    links rewritten as planned. A body is parsed only when one of its links gets a reference."""
    planned = PlannedLinks(links)
    fields = item_fields(article)
    if not any(planned.pages.values()) and not any(key.startswith(KEY_PREFIX) for key in planned.files):
        return _with_file_references(fields, planned.files)
    return rewrite_fields(fields, planned)[0]


def rewrite_fields(fields: dict, url_map: UrlMap | PlannedLinks) -> tuple[dict, list[str]]:
    """(fields with links rewritten, legacy URLs left unresolved). Pure."""
    html = fields.get("body_html") or ""
    unresolved: list[str] = []
    if html.strip():
        root = parse_fragment(html)
        changed: dict[str, str] = {}  # old address -> reference
        listed: set[str] = set()
        for element, attribute, value, pasted in link_slots(root):
            if pasted is not None and url_map.files.get(pasted.key):
                element.set(attribute, url_map.files[pasted.key])  # uploaded as a file; see apply
                changed[value] = url_map.files[pasted.key]
                continue
            if not value or not value.startswith(("http://", "https://")) or not url_map.is_legacy(value):
                continue
            target = url_map.lookup(value)
            if target:
                element.set(attribute, target)
                changed[value] = target
            elif value not in listed:
                listed.add(value)
                unresolved.append(value)
        if changed:
            markdown = fields.get("body_markdown")
            fields = {**fields, "body_html": inner_html(root),
                      "body_markdown": _rewrite_markdown(markdown, changed) if markdown else to_markdown(inner_html(root))}
    return _with_file_references(fields, url_map.files), unresolved


def _with_file_references(fields: dict, files: dict[str, str]) -> dict:
    """Each listed file with its reference ({{asset:SHA256}}, or None) as its portal_url."""
    return {**fields, **{kind: [{**asset, "portal_url": files.get(asset["url"])} for asset in fields.get(kind) or []]
                         for kind in ("attachments", "images")}}


def _rewrite_markdown(markdown: str, changed: dict[str, str]) -> str:
    """The body's Markdown with the same addresses rewritten, link by link: `[text](old)`,
    `[text](old "title")`, `![alt](old)`, and `<old>` (an address shown as its own text, which
    becomes `[old](new)`), rather than the whole body converted again (milliseconds each). One
    pass over the text, whatever the number of links (a pass per link is quadratic)."""
    if not changed:
        return markdown
    changed = {markdown_destination(old): new for old, new in changed.items()}  # as to_markdown wrote them
    longest = max(map(len, changed))
    out, done = [], 0
    for opener in _OPENER.finditer(markdown):
        start = opener.end()
        if opener.start() < done:
            continue
        closers = (")", ' "') if opener[0] == "](" else (">",)
        for end in _closings(markdown, start, start + longest, closers):
            new = changed.get(markdown[start:end])
            if new is None:
                continue
            if opener[0] == "](":
                out.append(markdown[done:start] + new)
                done = end
            else:
                out.append(f"{markdown[done:opener.start()]}[{markdown[start:end]}]({new})")
                done = end + 1
            break
    return "".join(out) + markdown[done:]


_OPENER = re.compile(r"\]\(|<")


def _closings(text: str, start: int, stop: int, closers: tuple):
    """Positions from `start` to `stop` where one of `closers` begins, in order."""
    position = start
    while True:
        found = [i for i in (text.find(c, position, stop + len(c)) for c in closers) if i != -1]
        if not found:
            return
        position = min(found)
        yield position
        position += 1
