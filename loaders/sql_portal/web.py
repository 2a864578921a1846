"""A small read-only web front for the embedded portal (`portalize portal serve`): the portal's
home with its subsites, each subsite's home with its content groups, item pages, files, and
the interim-links list. A reviewer sees the migrated subsite as visitors will, and legacy
URLs redirected to the portal land on real pages.

Paths are the portal's own (`/<subsite path>/-/<slug>`, `/documents/<sha>/<file>`): links in
bodies that name the portal's public address are served from here."""
from __future__ import annotations

import re
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from portalize.transform.filetypes import file_type, is_inline
from portalize.transform.safe_urls import safe_url

from ..render import document_rows, parse_iso
from .models import Category, Item, Link, Media, PortalBase, Subsite

_ENV = Environment(loader=PackageLoader("portalize.loaders.sql_portal", "templates"), autoescape=select_autoescape())
_ENV.filters["safe_url"] = safe_url  # every href from the data: the URL, or None (no link)

# The portal's pages need no script (inline styles only); a file may run nothing at all, and
# is sandboxed (an opaque origin) whatever a browser makes of it.
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: http: https:; "
               "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
FILE_POLICY = "default-src 'none'; sandbox"
_SHA_PREFIX = re.compile(r"[0-9a-f]{16}")


def _date(value: str | None) -> str | None:
    """An ISO time as a Vietnamese reader writes it (dd/mm/yyyy HH:MM)."""
    parsed = parse_iso(value)
    if parsed is None:
        return value or None
    return parsed.strftime("%d/%m/%Y %H:%M") if len(value) > 10 else parsed.strftime("%d/%m/%Y")


class PortalFront:
    """The WSGI application. `url`: the portal database; `base_url`: the portal's public
    address (links to it in bodies become local)."""

    def __init__(self, url: str, base_url: str, name: str):
        self.engine = create_engine(url)
        PortalBase.metadata.create_all(self.engine)
        self.base_url, self.name = base_url.rstrip("/"), name

    def close(self) -> None:
        self.engine.dispose()

    def __call__(self, environ, start_response):
        # PEP 3333: PATH_INFO is the request's path, already percent-decoded once, as latin-1
        # characters; its bytes are UTF-8 (decoding it a second time would turn a file named
        # `a%20b.pdf` into `a b.pdf`).
        path = (environ.get("PATH_INFO") or "/").encode("latin-1", "replace").decode("utf-8", "replace")
        with Session(self.engine) as session:
            # A page is (status, type, body); a file adds its Content-Disposition ("" inline).
            status, content_type, body, *disposition = self._route(session, path)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
                   ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
                   ("Content-Security-Policy", FILE_POLICY if disposition else PAGE_POLICY)]
        if disposition and disposition[0]:
            headers.append(("Content-Disposition", disposition[0]))
        start_response(status, headers)
        return [body]

    def _page(self, template: str, status: str = "200 OK", **values) -> tuple[str, str, bytes]:
        html = _ENV.get_template(template).render(portal_name=self.name, **values)
        return status, "text/html; charset=utf-8", html.encode("utf-8")

    def _route(self, session: Session, path: str) -> tuple[str, str, bytes]:
        if path in ("/", ""):
            return self._home(session)
        if path.rstrip("/") == "/lien-ket":
            links = session.scalars(select(Link).order_by(Link.title)).all()
            return self._page("links.html", links=links)
        if path.startswith("/documents/"):
            return self._file(session, path)
        head, _, slug = path.partition("/-/")
        subsite = session.scalar(select(Subsite).where(Subsite.path == "/" + head.strip("/")))
        if subsite is not None and not slug:
            return self._subsite(session, subsite)
        if subsite is not None:
            item = session.scalar(select(Item).where(Item.subsite_id == subsite.id, Item.slug == slug.strip("/")))
            if item is not None:
                return self._item(session, subsite, item)
        return self._page("missing.html", "404 Not Found", path=path)

    def _home(self, session: Session):
        counts = dict(session.execute(select(Item.subsite_id, func.count()).group_by(Item.subsite_id)).all())
        subsites = [{"name": s.name, "path": s.path, "count": counts.get(s.id, 0)}
                    for s in session.scalars(select(Subsite).order_by(Subsite.name))]
        links = session.scalar(select(func.count()).select_from(Link))
        return self._page("home.html", subsites=subsites, link_count=links)

    def _href(self, subsite: Subsite, item: Item) -> str:
        return f"{subsite.path}/-/{quote(item.slug)}"

    def _subsite(self, session: Session, subsite: Subsite):
        groups = []
        for category in session.scalars(select(Category).where(Category.subsite_id == subsite.id).order_by(Category.name)):
            items = session.scalars(select(Item).where(Item.category_id == category.id)).all()
            rows = sorted(({"title": i.fields.get("title"), "date": _date(i.fields.get("published_at")),
                            "sort": i.fields.get("published_at") or "", "href": self._href(subsite, i)} for i in items),
                          key=lambda r: r["sort"], reverse=True)
            if rows:
                groups.append({"code": category.group_code, "name": category.name, "entries": rows})
        return self._page("subsite.html", subsite=subsite, groups=groups)

    def _item(self, session: Session, subsite: Subsite, item: Item):
        fields = item.fields
        category = session.get(Category, item.category_id)
        document = document_rows(fields)
        files = [{"filename": f["filename"], "href": f"/documents/{f['sha256'][:16]}/{quote(f['filename'])}"}
                 for f in fields.get("attachments") or [] if f.get("sha256")]
        # Links and pictures that name the portal's public address are served from here.
        body = (fields.get("body_html") or "").replace(f'"{self.base_url}/', '"/')
        return self._page("item.html", subsite=subsite, f=fields, category=category.name if category else "",
                          date=_date(fields.get("published_at")), document=document, files=files, body=body)

    def _file(self, session: Session, path: str):
        """A file by `/documents/<first 16 hex digits of its sha256>/<name>` (exactly those: no
        pattern), sent as the type its bytes and name make it (filetypes.file_type, never the
        type the legacy server sent); anything but PDF and raster images as an attachment."""
        parts = path.split("/", 3)  # "", "documents", sha16, filename
        if len(parts) == 4 and _SHA_PREFIX.fullmatch(parts[2]):
            found = session.scalars(select(Media).where(
                Media.filename == parts[3], Media.sha256.startswith(parts[2], autoescape=True)))
            media = next((m for m in found if m.sha256[:16] == parts[2]), None)
            if media is not None:
                data = bytes(media.data)
                kind = file_type(media.filename, data)
                return "200 OK", kind, data, "" if is_inline(kind) else attachment(media.filename)
        return self._page("missing.html", "404 Not Found", path=path)


def attachment(filename: str) -> str:
    """A Content-Disposition that downloads the file under its name (RFC 6266: an ASCII name
    for old clients, the UTF-8 name for the others)."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def serve(url: str, base_url: str, name: str, host: str = "127.0.0.1", port: int = 8080, ready=None) -> None:
    """Serve the front until interrupted. `ready(port)` is called once it listens."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    class Threading(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    front = PortalFront(url, base_url, name)
    with make_server(host, port, front, server_class=Threading, handler_class=Quiet) as server:
        if ready:
            ready(server.server_address[1])
        try:
            server.serve_forever()
        finally:
            front.close()
