"""`rest` adapter: a generic JSON portal driven by a mapping file (`mappings/portals/NAME.yml`,
named by `portal.mapping` in portal.yml): endpoints, authentication, batch reads, JSON bodies
as Jinja templates, where the id, address and revision marker are in the answers. A province
points it at its vendor's API with no code.

Template values: `portal` (portal.yml's `portal:`), `key`, `name`, `path` (a unit's target),
`subsite` (its handle), `group`, `category`, `f` (the item's fields, references resolved),
`content` (the one-body HTML: body, document table, files, author), `title` and `summary`
(HTML-escaped), `body` (`content` with the identity marker), `slug`, `digest`, `date_gmt`,
`id`, `ids`, `slugs`, `keys`, `filename`, `media_type`, `sha256`, `response`, `run` (the apply
run's identity, with the `runs` capability: then `items.recent` lists the subsite's latest items)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import urllib3
import yaml

from portalize.core import yaml_loader
from portalize.core.errors import MappingError, PortalError

from ..base import CAPABILITIES, CategoryCache, Remote
from ..credentials import secret
from ..http import PortalHttp
from ..links_page import LINKS_SLUG, LINKS_TITLE, LinksOnAPage
from ..marker import marked, marker_run, read_marker
from ..render import gmt, post_parts
from .templates import dig, render

SECTIONS = {"name", "description", "capabilities", "auth", "subsite", "category", "items", "files", "links"}
REQUEST_KEYS = {"method", "url", "json", "multipart", "headers", "select", "list", "batch", "expect", "ok"}


def load_mapping(path: Path) -> dict:
    where = f"mappings/portals/{path.name}"
    if not path.is_file():
        raise MappingError([f"mappings/portal.yml:portal.mapping: {where} does not exist"])
    try:
        # The guarded loader of every mapping file: a key written twice, aliases that expand past
        # their limit and lists nested past MAX_DEPTH are errors, not a silent last value or a traceback.
        mapping = yaml_loader.load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise MappingError([f"{where}: not valid YAML ({exc})"]) from None
    problems = [f"{where}: unknown section {k!r}" for k in mapping if k not in SECTIONS]
    for needed in ("subsite", "items"):
        if needed not in mapping:
            problems.append(f"{where}: the {needed!r} section is needed")
    for name in ("create", "update", "read", "response"):
        if name not in (mapping.get("items") or {}):
            problems.append(f"{where}: items.{name} is needed")
    if "runs" in (mapping.get("capabilities") or ()) and "recent" not in (mapping.get("items") or {}):
        problems.append(f"{where}: items.recent is needed with the `runs` capability (the subsite's most recently "
                        "modified items, whose markers name the apply runs that wrote them)")
    for section in ("subsite", "category", "items", "files", "links"):
        for name, request in (mapping.get(section) or {}).items():
            if isinstance(request, dict) and "method" in request:
                problems += [f"{where}: {section}.{name}.{k}: unknown key" for k in request if k not in REQUEST_KEYS]
    unknown = set(mapping.get("capabilities") or ()) - set(CAPABILITIES)
    problems += [f"{where}: capabilities: unknown {c!r}; known: {', '.join(CAPABILITIES)}" for c in sorted(unknown)]
    if problems:
        raise MappingError(problems)
    return mapping


class RestPortal(LinksOnAPage):
    name = "rest"

    def __init__(self, config: dict, mappings_root: Path | None = None):
        from portalize.core import config as settings
        if not config.get("mapping"):
            raise MappingError(["mappings/portal.yml:portal.mapping: name the file in mappings/portals/ "
                                "(e.g. wordpress-rest) that describes the portal's API"])
        root = Path(mappings_root or settings.mappings_dir()) / "portals"
        self.mapping = load_mapping(root / f"{config['mapping']}.yml")
        self.name = self.mapping.get("name", config["mapping"])
        self.capabilities = frozenset(self.mapping.get("capabilities") or ())
        self.portal = {k: v for k, v in config.items() if not k.startswith("password") and k not in ("token_env", "token_file")}
        self.url = config.get("url", "").rstrip("/")
        self.concurrency = int(config.get("concurrency", 4))  # writes apply makes at once
        self.http = PortalHttp(self.url, self._auth(config), timeout=float(config.get("timeout", 60)),
                               retries=int(config.get("retries", 4)), rate_limit=config.get("rate_limit"),
                               pool=self.concurrency, backoff=float(config.get("backoff", 0.5)),
                               connect_to=config.get("connect_to"))
        self._categories = CategoryCache()
        self._sites: dict[str, str] = {}
        self._paths: dict[str, str] = {}  # subsite handle -> the unit's target path

    def _auth(self, config: dict) -> dict:
        auth = self.mapping.get("auth") or {"scheme": "basic"}
        scheme = auth.get("scheme", "basic")
        headers = {"Accept": "application/json"}
        if scheme == "basic":
            token = base64.b64encode(f"{config.get('user', '')}:{secret(config)}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        elif scheme == "bearer":
            headers["Authorization"] = f"Bearer {secret(config, 'token')}"
        elif scheme == "header":
            headers[auth["header"]] = secret(config, "token")
        else:
            raise MappingError([f"mappings/portals/{config['mapping']}.yml:auth.scheme: {scheme!r}; valid: basic, "
                                "bearer, header"])
        return headers

    def close(self) -> None:
        self.http.close()

    # -- requests ----------------------------------------------------------------------------
    def _call(self, request: dict, values: dict, *, body: bytes | None = None, creates: bool = False):
        values = {"portal": self.portal, **values}
        method = request.get("method", "GET").upper()
        url = render(request["url"], values)
        headers = render(request.get("headers") or {}, values)
        # None values are left out of JSON bodies (a date the article does not have).
        json_body = _without_none(render(request["json"], values)) if "json" in request else None
        ok = tuple(request.get("ok") or (200, 201))
        if "multipart" in request:  # form parts: JSON templates as strings, "@file" for the bytes
            parts = {}
            for name, part in request["multipart"].items():
                if part == "@file":
                    parts[name] = (values["filename"], body or b"", values.get("media_type") or "application/octet-stream")
                else:
                    value = _without_none(render(part, values))
                    parts[name] = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
            body, content_type = urllib3.encode_multipart_formdata(parts)
            headers = {**headers, "Content-Type": content_type}
        answer = self.http.request(method, url, json_body=json_body, body=body, headers=headers, creates=creates, ok=ok)
        try:
            response = answer.json()
        except ValueError:
            response = None
        return answer.status, response

    def _select(self, request: dict, values: dict, response):
        return render(request["select"], {"portal": self.portal, **values, "response": response}) \
            if "select" in request else response

    # -- subsites and categories -------------------------------------------------------------
    def find_subsite(self, key: str, name: str, path: str) -> str:
        if key in self._sites:
            return self._sites[key]
        section = self.mapping["subsite"]
        values = {"portal": self.portal, "key": key, "name": name, "path": path}
        handle = render(section["handle"], values)
        if "check" in section:
            check = {**section["check"], "ok": section["check"].get("ok") or [200, 404]}
            status, response = self._call(check, values)
            exists = status < 400 and render(check["expect"], {**values, "response": response, "subsite": handle})
            if not exists:
                how = render(section.get("missing", "create it on the portal, then run the same command again"), values)
                raise PortalError(f"The portal {self.url} has no subsite for {name} ({path}).", how)
        self._sites[key] = handle
        self._paths[handle] = path
        return handle

    ensure_subsite = find_subsite

    def ensure_category(self, subsite: str, group: str, name: str) -> str:
        if not self.mapping.get("category"):
            return group
        return self._categories.get(subsite, group, lambda: self._find_or_make_category(subsite, group, name))

    def _find_or_make_category(self, subsite: str, group: str, name: str):
        section = self.mapping["category"]
        values = {"subsite": subsite, "group": group, "name": name}
        _, found = self._call(section["find"], values)
        category = self._select(section["find"], values, found)
        if not category:
            _, made = self._call(section["create"], values, creates=True)
            category = self._select(section["create"], values, made)
        return category

    # -- items -------------------------------------------------------------------------------
    def _remote(self, data: dict, subsite: str) -> Remote:
        paths = self.mapping["items"]["response"]

        def value(name):  # a dotted path into the answer, or a template over it (`item`)
            where = paths.get(name)
            if where and "{{" in where:
                return render(where, {"portal": self.portal, "item": data, "subsite": subsite,
                                      "path": self._paths.get(subsite, "")})
            return dig(data, where)
        body = value("body")
        key, digest = read_marker(value("title"), body)
        return Remote(id=str(value("id")), url=str(value("url")), revision=str(value("revision")),
                      key=key or value("key"), digest=digest, run=marker_run(body) or value("run"))

    def _listed(self, request: dict, values: dict) -> list[dict]:
        _, response = self._call(request, values)
        return dig(response, request.get("list")) if request.get("list") else (response or [])

    def read_items(self, subsite: str, item_ids) -> dict[str, Remote]:
        request = self.mapping["items"]["read"]
        ids, out, size = list(item_ids), {}, int(request.get("batch", 100))
        for start in range(0, len(ids), size):
            for data in self._listed(request, {"subsite": subsite, "ids": ids[start:start + size]}):
                remote = self._remote(data, subsite)
                out[remote.id] = remote
        return out

    def find_items(self, subsite: str, wanted: dict[str, str]) -> dict[str, Remote]:
        request = self.mapping["items"].get("find")
        if not request:
            return {}
        by_slug = {slug: key for key, slug in wanted.items()}
        keys, out, size = list(wanted), {}, int(request.get("batch", 50))
        for start in range(0, len(keys), size):
            chunk = keys[start:start + size]
            values = {"subsite": subsite, "keys": chunk, "slugs": [wanted[k] for k in chunk]}
            for data in self._listed(request, values):
                remote = self._remote(data, subsite)
                slug = dig(data, self.mapping["items"]["response"].get("slug"))
                if remote.key and (slug is None or by_slug.get(slug) == remote.key) and remote.key in wanted:
                    out[remote.key] = remote
        return out

    def recent_runs(self, subsite: str) -> list[str]:
        """With the `runs` capability: the apply runs of the items `items.recent` lists (the
        subsite's most recently modified), read from their markers or `response.run`."""
        request = self.mapping["items"].get("recent")
        if not request:
            return []
        runs = [self._remote(data, subsite).run for data in self._listed(request, {"subsite": subsite})]
        return list(dict.fromkeys(r for r in runs if r))

    def write_item(self, subsite: str, category: str, key: str, slug: str, fields: dict, digest: str,
                   item_id: str | None = None, run: str | None = None) -> Remote:
        parts = post_parts(key, digest, fields)
        if run:  # the identity marker names the apply run too (also `run` in templates)
            parts["body"] = marked(key, digest, parts["title"], parts["content"], run)
        values = {"subsite": subsite, "category": category, "group": fields.get("group"), "key": key, "slug": slug,
                  "f": fields, **parts, "digest": digest, "run": run,
                  "date_gmt": gmt(fields.get("published_at")), "id": item_id}
        upsert = "upsert_by_key" in self.capabilities
        request = self.mapping["items"]["update" if item_id or upsert else "create"]
        _, response = self._call(request, values, creates=item_id is None and not upsert)
        return self._remote(response, subsite)

    def delete_item(self, subsite: str, item_id: str) -> None:
        request = self.mapping["items"].get("delete")
        if not request:
            raise PortalError(f"the mapping of portal {self.name} has no items.delete request",
                              "add one to its file in mappings/portals/, or delete the item on the portal by hand")
        self._call({**request, "ok": request.get("ok") or [200, 204, 404, 410]}, {"subsite": subsite, "id": item_id})

    def put_file(self, subsite: str, filename: str, media_type: str | None, data: bytes, sha256: str) -> str:
        section = self.mapping.get("files")
        if not section:
            raise PortalError(f"the mapping of portal {self.name} has no files section", "add one to its file in "
                              "mappings/portals/ (files.upload) so files can be put on the portal")
        values = {"subsite": subsite, "filename": filename.replace('"', ""), "media_type": media_type or
                  "application/octet-stream", "sha256": sha256}
        if "find" in section:
            _, found = self._call(section["find"], values)
            url = self._select(section["find"], values, found)
            if url:
                return url
        _, made = self._call(section["upload"], values, body=data, creates=True)
        if "after_upload" in section:
            self._call(section["after_upload"], {**values, "response": made})
        return self._select(section["upload"], values, made)

    # -- interim links: a links page (LinksOnAPage) --------------------------------------
    def _links_section(self) -> dict:
        section = self.mapping.get("links")
        if not section:
            raise PortalError(f"the mapping of portal {self.name} has no links section",
                              "add one to its file in mappings/portals/, or put the interim links on the portal by hand")
        return section

    def _read_links(self):
        section = self._links_section()
        pages = self._listed(section["find"], {"slug": LINKS_SLUG})
        return (pages[0], dig(pages[0], section.get("content", "content.raw"))) if pages else (None, None)

    def _write_links(self, page, content: str) -> None:
        section = self._links_section()
        values = {"slug": LINKS_SLUG, "title": LINKS_TITLE, "content": content,
                  "id": dig(page, section.get("id", "id")) if page else None}
        self._call(section["update" if page else "create"], values, creates=page is None)

def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value
