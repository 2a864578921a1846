"""File names on the embedded portal's addresses (issue 21): a legacy file may be named with
`%`, `?`, `#`, spaces or Vietnamese letters; its portal URL (SqlPortal.file_url) must be one
exact path that `portalize portal serve` answers with that very file, over real HTTP."""
from __future__ import annotations

import hashlib
import threading
import urllib.request
from urllib.parse import urlsplit

import pytest

from portalize.loaders.sql_portal.adapter import SqlPortal
from portalize.loaders.sql_portal.web import serve

pytestmark = pytest.mark.integration

NAMES = ["quyết định số 1.pdf", "bao-cao?x=1#y.pdf", "a%20b.pdf", "100%.pdf", "tờ trình \"mới\" <2024>.docx",
         "ke-hoach;v=2&x.pdf", "Báo cáo (bản chính).pdf", "NFD ho\u0302\u0323i nghi\u0323.pdf"]


def test_every_file_name_has_one_exact_address_that_portal_serve_answers(tmp_path):
    db = f"sqlite:///{tmp_path / 'portal.db'}"
    portal = SqlPortal(db, "http://portal.test")
    urls = {}
    for n, name in enumerate(NAMES):
        data = b"%PDF-1.4\n% file " + str(n).encode() + b"\n%%EOF\n"
        urls[name] = (portal.put_file("s", name, "application/pdf", data, hashlib.sha256(data).hexdigest()), data)
    portal.close()
    ready = threading.Event()
    port = []
    threading.Thread(target=serve, args=(db, "http://portal.test", "Cổng"),
                     kwargs={"port": 0, "ready": lambda p: (port.append(p), ready.set())}, daemon=True).start()
    assert ready.wait(10)
    for name, (url, data) in urls.items():
        parts = urlsplit(url)
        assert not parts.query and not parts.fragment, (name, url)
        with urllib.request.urlopen(f"http://127.0.0.1:{port[0]}{_ascii_path(parts.path)}", timeout=10) as answer:
            assert answer.status == 200 and answer.read() == data, (name, url)


def _ascii_path(path: str) -> str:
    """The path as a browser sends it: non-ASCII letters percent-encoded as UTF-8."""
    return "".join(c if ord(c) < 0x80 else "".join(f"%{b:02X}" for b in c.encode()) for c in path)
