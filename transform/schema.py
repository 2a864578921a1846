"""The canonical article schema. `python -m transform.schema` writes transform/article.schema.json."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("article", "document", "page", "procedure", "qa", "media")
SCHEMA_FILE = Path(__file__).with_name("article.schema.json")


def _f(description: str, **kwargs):
    return field(metadata={"description": description}, **kwargs)


@dataclass
class Asset:
    """An image or attached file of an article."""
    url: str = _f("Legacy URL of the file (canonical); `embedded:<sha256>` for a picture pasted into the body "
                  "as a data: URL.")
    filename: str = _f("File name as the legacy site named it, Vietnamese kept (`anh-nhung-<hash>.png` for a "
                       "pasted picture).")
    media_type: str | None = _f("Media type reported by the legacy server.", default=None)
    size: int | None = _f("Size in bytes, when the file was downloaded.", default=None)
    sha256: str | None = _f("SHA-256 of the bytes, when the file was downloaded.", default=None)


@dataclass
class DocumentInfo:
    """Metadata of a legal document (văn bản)."""
    number: str | None = _f("Number and symbol (số ký hiệu), e.g. 55/2019/QĐ-UBND.", default=None)
    type: str | None = _f("Document form or type (hình thức văn bản).", default=None)
    issuer: str | None = _f("Issuing authority (cơ quan ban hành).", default=None)
    signer: str | None = _f("Signer (người ký).", default=None)
    issued: str | None = _f("Issue date, ISO 8601.", default=None)
    effective: str | None = _f("Effective date, ISO 8601.", default=None)
    expiry: str | None = _f("Expiry date, ISO 8601.", default=None)
    status: str | None = _f("Validity status (tình trạng hiệu lực).", default=None)
    abstract: str | None = _f("Abstract (trích yếu).", default=None)
    field: str | None = _f("Field (lĩnh vực).", default=None)


@dataclass
class SpamEvidence:
    """Why an article is quarantined: one block or difference that looks like SEO spam injected into a
    compromised legacy site."""
    kind: str = _f("hidden (a block readers do not see), off-topic (a block of betting links that is not the "
                   "article's text) or cloaking (what a Googlebot User-Agent is served and a browser is not).")
    block: str = _f("Which block: its tag, class or id and how it is hidden; or the Googlebot answer.")
    links: list[str] = _f("The links to other sites it holds (at most 20).")
    words: list[str] = _f("The betting and casino words found in it or in its links.")
    detail: str | None = _f("What was found, in words.", default=None)


@dataclass
class Article:
    uid: str = _f("Stable id: agency code + hash of the canonical legacy URL.")
    agency: str = _f("Code of the agency whose legacy site this came from.")
    kind: str = _f("One of: " + ", ".join(KINDS) + ".")
    group: str = _f("Content-group code from the regulation profile (e.g. news, legal-docs, other).")
    legacy_category: str | None = _f("Category or breadcrumb on the legacy site, as found.")
    title: str = _f("Title, NFC Unicode.")
    summary: str | None = _f("Lead paragraph (sapo), plain text.")
    body_html: str = _f("Body as sanitised HTML, links absolute.")
    body_markdown: str = _f("Body as Markdown.")
    published_at: str | None = _f("Publication time, ISO 8601: with the UTC offset the legacy page states, else "
                                  "+07:00 (Asia/Ho_Chi_Minh); null when unsure.")
    updated_at: str | None = _f("Last update time, ISO 8601, when the page shows one.")
    author: str | None = _f("Byline (Tác giả / Nguồn / bare name at the end of the body).")
    source_name: str | None = _f("Original source when the article credits one (Nguồn:).")
    images: list[Asset] = _f("Images of the body.")
    attachments: list[Asset] = _f("Attached files (PDF, DOC, XLS, ZIP).")
    document: DocumentInfo | None = _f("Legal-document metadata, for kind=document.")
    source_url: str = _f("Canonical legacy URL.")
    aliases: list[str] = _f("Other legacy URLs of the same content.")
    lang: str = _f("Language code (vi).")
    content_hash: str = _f("SHA-256 over the published fields; changes when the content changes.")
    extracted_by: str = _f("Which method produced the fields: mapping name@version, or auto.")
    field_sources: dict[str, str] = _f("For each field, the selector or method that produced it.")
    warnings: list[str] = _f("Things a person should check (date unsure, encoding repaired, ...).")
    quarantine: list[SpamEvidence] = _f("Evidence of injected SEO spam (hidden link farms, betting links, "
                                        "cloaking); when not empty the article is quarantined: planned as a skip "
                                        "until `plan --force UID`.", default_factory=list)

    HASHED = ("kind", "group", "legacy_category", "title", "summary", "body_html", "published_at",
              "updated_at", "author", "source_name", "images", "attachments", "document", "source_url", "aliases")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def compute_hash(self) -> str:
        # Only the hashed fields are converted (asdict of the whole article costs more than the hash).
        return content_hash({k: _plain(getattr(self, k)) for k in (*self.HASHED, "quarantine")})


def content_hash(data: dict) -> str:
    """The hash of an article's published fields, from the article or its to_dict() form."""
    hashed = {k: data.get(k) for k in Article.HASHED}
    if data.get("quarantine"):  # only when there is some: a clean article's hash is as it always was
        hashed["quarantine"] = data["quarantine"]
    payload = json.dumps(hashed, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    # Asset and DocumentInfo hold plain values only: their __dict__ is what asdict() would
    # give, without its deep copy.
    return dict(vars(value)) if dataclasses.is_dataclass(value) else value


@dataclass
class SkippedPage:
    uid: str
    agency: str
    source_url: str
    reason: str
    outcome: str = "excluded"  # list (a list of items), excluded (not content, or unreadable)


# -- JSON Schema ----------------------------------------------------------------------------
def _type_schema(tp) -> dict:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, __import__("types").UnionType):
        inner = [a for a in args if a is not type(None)]
        schema = _type_schema(inner[0])
        if type(None) in args:
            return {"anyOf": [schema, {"type": "null"}]}
        return schema
    if origin is list:
        return {"type": "array", "items": _type_schema(args[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1])}
    if dataclasses.is_dataclass(tp):
        return {"$ref": f"#/$defs/{tp.__name__}"}
    return {"type": {str: "string", int: "integer", bool: "boolean", float: "number"}[tp]}


def _object_schema(cls) -> dict:
    hints = typing.get_type_hints(cls)
    props = {}
    for f in dataclasses.fields(cls):
        props[f.name] = {**_type_schema(hints[f.name]), "description": f.metadata.get("description", "")}
    if cls is Article:
        props["kind"]["enum"] = list(KINDS)
    return {"type": "object", "description": (cls.__doc__ or "").strip() or cls.__name__,
            "properties": props, "required": [f.name for f in dataclasses.fields(cls)],
            "additionalProperties": False}


def json_schema() -> dict:
    root = _object_schema(Article)
    root.update({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "portalize canonical article",
                 "description": "One migrated item of a unit's legacy website, ready for the provincial portal.",
                 "$defs": {"Asset": _object_schema(Asset), "DocumentInfo": _object_schema(DocumentInfo),
                           "SpamEvidence": _object_schema(SpamEvidence)}})
    return root


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
