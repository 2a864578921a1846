"""mappings/portals/liferay-dxp.yml cannot run against a live Liferay here. Every request it
builds (site check, item upsert, batch reads, finds, delete, document upload and lookup) is
recorded and checked against Liferay's published OpenAPI document of headless-delivery
(tests/fixtures/liferay/, an extract transcribed from liferay-portal's rest-openapi.yaml): the
path and method exist, every query parameter is declared, every JSON property is declared and
writable, required properties are sent, multipart parts are declared. The answers the recorder
gives are shaped as that document says (pages of `items`)."""
from __future__ import annotations

import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import yaml

from portalize.loaders.base import fields_hash
from portalize.loaders.http import Answer
from portalize.loaders.registry import open_portal

SPEC = yaml.safe_load((Path(__file__).parent / "fixtures" / "liferay" / "headless-delivery-openapi-extract.yaml")
                      .read_text(encoding="utf-8"))
BASE = "https://cong.tinhmau.gov.vn"
PREFIX = "/o/headless-delivery/v1.0"


class Recorder:
    """Stands where the HTTP client stands: keeps each request, answers as Liferay would."""

    def __init__(self):
        self.requests = []

    def request(self, method, path, *, json_body=None, body=None, headers=None, creates=False, ok=(200, 201)):
        self.requests.append((method, path, json_body, body, headers or {}))
        parts = urlsplit(path)
        if method == "GET" and parts.path.endswith("/structured-contents"):
            wanted = re.findall(r"externalReferenceCode eq '([^']+)'", unquote(dict(parse_qsl(parts.query)).get("filter", "")))
            items = [{"externalReferenceCode": k, "friendlyUrlPath": f"tin-{k}", "dateModified": "2026-12-01T08:00:00Z",
                      "title": "t", "contentFields": [{"name": "content", "contentFieldValue": {"data": "x"}}]}
                     for k in wanted]
            return Answer(200, {}, json.dumps({"items": items, "page": 1, "pageSize": 100,
                                               "totalCount": len(items)}).encode())
        if method == "PUT":
            sent = json_body
            return Answer(200, {}, json.dumps({**sent, "id": 501, "dateModified": "2026-12-01T08:00:01Z"}).encode())
        if method == "GET" and parts.path.endswith("/documents"):
            return Answer(200, {}, b'{"items": [], "page": 1, "pageSize": 1, "totalCount": 0}')
        if method == "POST" and parts.path.endswith("/documents"):
            return Answer(200, {}, b'{"id": 7, "contentUrl": "/documents/20121/0/qd-12.pdf"}')
        return Answer(204, {}, b"")

    def close(self):
        pass


@pytest.fixture
def liferay(tmp_path, monkeypatch):
    (tmp_path / "secret").write_text("mat-khau")
    (tmp_path / "secret").chmod(0o600)
    portal = open_portal({"adapter": "rest", "mapping": "liferay-dxp", "url": BASE, "user": "portalize@tinhmau.gov.vn",
                          "password_file": str(tmp_path / "secret"), "content_structure_id": 31201,
                          "body_field": "content", "sites": {"/web/stnmt": 20121}, "categories": {"news": 41001}})
    recorder = Recorder()
    portal.http = recorder
    return portal, recorder


def _operation(method: str, url: str):
    path = urlsplit(url).path
    assert path.startswith(PREFIX), path
    path = path[len(PREFIX):]
    for template, item in SPEC["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            assert method.lower() in item, f"{method} {template} is not in Liferay's OpenAPI document"
            return template, item[method.lower()]
    raise AssertionError(f"{path} is not a path of Liferay's OpenAPI document")


def _schema(ref_or_schema):
    if "$ref" in ref_or_schema:
        return SPEC["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[-1]]
    return ref_or_schema


def _check_body(value, schema, where: str) -> None:
    schema = _schema(schema)
    if isinstance(value, dict) and "properties" in schema:
        for name, sub in value.items():
            assert name in schema["properties"], f"{where}.{name} is not a property in Liferay's OpenAPI document"
            prop = schema["properties"][name]
            assert not _schema(prop).get("readOnly") and not prop.get("readOnly"), f"{where}.{name} is read-only"
            _check_body(sub, prop, f"{where}.{name}")
        for name in schema.get("required", []):
            assert name in value, f"{where}: required property {name} is missing"
    elif isinstance(value, list):
        assert schema.get("type") == "array", f"{where} is a list, the document says {schema.get('type')}"
        for i, sub in enumerate(value):
            _check_body(sub, schema.get("items", {}), f"{where}[{i}]")
    elif schema.get("type") == "integer":
        assert isinstance(value, int), f"{where} should be an integer: {value!r}"
    elif schema.get("type") == "string":
        assert isinstance(value, str), f"{where} should be a string: {value!r}"


def _check(request) -> str:
    method, url, json_body, body, headers = request
    template, operation = _operation(method, url)
    declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    for name, _ in parse_qsl(urlsplit(url).query):
        assert name in declared, f"{method} {template}: query parameter {name} is not declared"
    content = (operation.get("requestBody") or {}).get("content", {})
    if json_body is not None:
        assert "application/json" in content, f"{method} {template} takes no JSON body"
        _check_body(json_body, content["application/json"]["schema"], template)
    elif body:
        assert "multipart/form-data" in content, f"{method} {template} takes no form"
        form = content["multipart/form-data"]["schema"]["properties"]
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            assert name in form, f"{method} {template}: form part {name} is not declared"
            if name != "file":
                _check_body(json.loads(part.get_content()), form[name], f"{template} {name}")
    return f"{method} {template}"


def test_every_request_of_the_liferay_mapping_is_in_its_openapi_document(liferay):
    portal, recorder = liferay
    site = portal.find_subsite("/web/stnmt", "Sở Tài nguyên và Môi trường", "/web/stnmt")
    assert site == f"{BASE}{PREFIX}/sites/20121"
    category = portal.ensure_category(site, "news", "Tin tức")
    fields = {"title": "Hội nghị tổng kết", "summary": "Tóm tắt", "body_html": "<p>Nội dung</p>", "body_markdown": "",
              "published_at": "2024-12-20T08:30:00+07:00", "kind": "article", "group": "news", "author": None,
              "source_name": None, "source_url": "http://stnmt.tinhmau.gov.vn/a", "attachments": [], "images": [],
              "document": None}
    written = portal.write_item(site, category, "stnmt-0a0b0c0d0e0f", "hoi-nghi-0a0b0c0d0e0f", fields, fields_hash(fields))
    assert written.id == "stnmt-0a0b0c0d0e0f" and written.revision == "2026-12-01T08:00:01Z"
    assert written.url == f"{BASE}/web/stnmt/w/hoi-nghi-0a0b0c0d0e0f"
    read = portal.read_items(site, [f"stnmt-{i:012x}" for i in range(120)])  # more than one batch
    assert len(read) == 120
    found = portal.find_items(site, {"stnmt-0a0b0c0d0e0f": "hoi-nghi-0a0b0c0d0e0f"})
    assert set(found) == {"stnmt-0a0b0c0d0e0f"}
    portal.delete_item(site, "stnmt-0a0b0c0d0e0f")
    url = portal.put_file(site, "Quyết định số 12-QĐ-UBND.pdf", "application/pdf", b"%PDF-1.4", "ab" * 32)
    assert url == f"{BASE}/documents/20121/0/qd-12.pdf"

    checked = [_check(r) for r in recorder.requests]
    assert sorted(set(checked)) == [
        "DELETE /sites/{siteId}/structured-contents/by-external-reference-code/{externalReferenceCode}",
        "GET /sites/{siteId}/documents", "GET /sites/{siteId}/structured-contents",
        "POST /sites/{siteId}/documents",
        "PUT /sites/{siteId}/structured-contents/by-external-reference-code/{externalReferenceCode}"]
    put = next(r for r in recorder.requests if r[0] == "PUT")[2]
    assert put["contentStructureId"] == 31201 and put["taxonomyCategoryIds"] == [41001]
    assert put["contentFields"][0]["name"] == "content" and "portalize:item" in put["contentFields"][0]["contentFieldValue"]["data"]
    reads = [r for r in recorder.requests if r[0] == "GET" and "structured-contents" in r[1]]
    assert len(reads) >= 4  # the site check, 3 batches of ≤50 reads and one find: never one request per item


def test_a_unit_without_a_site_id_is_named_with_how_to_add_it(liferay):
    from portalize.core.errors import PortalError
    portal, _ = liferay
    with pytest.raises(PortalError) as missing:
        portal.find_subsite("/web/sgddt", "Sở Giáo dục và Đào tạo", "/web/sgddt")
    assert "no subsite for Sở Giáo dục và Đào tạo" in missing.value.message
    assert "portal.sites" in missing.value.hint and "'/web/sgddt': SITE_ID" in missing.value.hint
