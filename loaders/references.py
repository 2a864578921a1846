"""References in planned fields, resolved at apply ("known after apply"): a plan's bodies and
file lists say {{item:UID}} and {{asset:SHA256}}; the portal's addresses are put in once the
targets exist, from the id map and the asset map. Pure."""
from __future__ import annotations

from functools import lru_cache
from html import escape

from portalize.transform.taxonomy import fold

from .base import REFERENCE


def references(fields: dict) -> tuple[set[str], set[str]]:
    """(item uids, file sha256s) the fields refer to."""
    items, files = set(), set()
    for text in (fields.get("body_html") or "", fields.get("body_markdown") or ""):
        for kind, value in REFERENCE.findall(text):
            (items if kind == "item" else files).add(value)
    for asset in (fields.get("attachments") or []) + (fields.get("images") or []):
        if asset.get("sha256"):
            files.add(asset["sha256"])
    return items, files


def resolve(fields: dict, items: dict[str, str], files: dict[str, str],
            fallback: dict[str, str] | None = None) -> tuple[dict, list[str]]:
    """(fields with every reference replaced, the references left unresolved). An unresolved
    item reference gets its `fallback` address (the legacy page) until its target is loaded."""
    missing: list[str] = []
    fallback = dict(fallback or {})
    for asset in (fields.get("attachments") or []) + (fields.get("images") or []):
        if asset.get("sha256"):  # a file not on the portal keeps its legacy address
            fallback.setdefault(asset["sha256"], asset["url"])

    def put(match, escaped: bool):
        kind, value = match.group(1), match.group(2)
        url = (items if kind == "item" else files).get(value)
        if url is None:
            missing.append(f"{kind}:{value}")
            url = fallback.get(value, "#")
        return escape(url, quote=True) if escaped else url

    out = dict(fields)
    if fields.get("body_html"):
        out["body_html"] = REFERENCE.sub(lambda m: put(m, True), fields["body_html"])
    if fields.get("body_markdown"):
        out["body_markdown"] = REFERENCE.sub(lambda m: put(m, False), fields["body_markdown"])
    for kind in ("attachments", "images"):
        out[kind] = [{**a, "portal_url": files.get(a.get("sha256") or "", a.get("portal_url"))}
                     for a in fields.get(kind) or []]
    return out, sorted(set(missing))


def slugify(text: str) -> str:
    return "-".join(fold(text).split())[:120] or "bai-viet"


@lru_cache(maxsize=8192)  # asked for twice per write (finding the item, writing it)
def slug_for(key: str, title: str) -> str:
    """An item's slug, from its final title, with the end of its uid so it stays unique:
    `hoi-nghi-tong-ket-nam-2024-3f2a9c1b0d4e`."""
    return f"{slugify(title)[:90].rstrip('-')}-{key.rsplit('-', 1)[-1]}"



def written_digest(digest: str, missing: list[str], legacy: int = 0) -> str:
    """What the id map keeps of a write: the planned fields' hash, marked when links to items
    could not be resolved yet (the next plan updates the item, once they are loaded), or when
    links to legacy pages of units not staged yet were kept as they are (every plan reads the
    item again: once such a unit is staged, they become links to its items)."""
    waiting = sum(m.startswith("item:") for m in missing)
    if waiting:
        return f"unresolved:{waiting}:{digest[:64]}"
    return f"legacy:{legacy}:{digest[:64]}" if legacy else digest


def waiting_links(marker: str, digest: str) -> int | None:
    """How many links were left unresolved when the item was written from these fields (None:
    the marker is not of these fields, or all its links were resolved)."""
    head, _, tail = marker.rpartition(":")
    if not head.startswith("unresolved:") or tail != digest[:64]:
        return None
    return int(head.split(":")[1])


def legacy_links(marker: str) -> tuple[int, str] | None:
    """(how many links to legacy pages of units not staged were kept, the fields' hash) of a
    marker written so, else None."""
    head, _, tail = marker.rpartition(":")
    if not head.startswith("legacy:"):
        return None
    return int(head.split(":")[1]), tail
