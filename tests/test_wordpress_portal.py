"""The whole migration into a real WordPress multisite network (Debian's packages, on
loopback): the bundled sample units crawled for real, transformed, planned and applied as sites
of the network; links between units resolved once their targets exist; files in the media
library; re-planning reads revisions only and finds nothing to do although WordPress rewrote
the HTML; an edit in wp-admin is a conflict; interim links on the main site's links page."""
from __future__ import annotations

import json
import re
import shutil
import urllib.request

import pytest
import yaml
from click.testing import CliRunner

from portalize.cli import cli

from .conftest import ROOT, wordpress_portal_config
from .sites.wordpress_network import WordPressNetwork

pytestmark = pytest.mark.integration


@pytest.fixture(params=["wordpress", "rest"])
def to_wordpress(request, crawled, tmp_path_factory, monkeypatch):
    """A fresh network; written by the `wordpress` adapter, or by the generic `rest` adapter
    driven by mappings/portals/wordpress-rest.yml alone."""
    network = WordPressNetwork(tmp_path_factory.mktemp("wp-portal")).start()
    root = crawled / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    config = yaml.safe_load((root / "portal.yml").read_text(encoding="utf-8"))
    config["portal"] = {**wordpress_portal_config(network), "rate_limit": 50}
    if request.param == "rest":
        config["portal"] |= {"adapter": "rest", "mapping": "wordpress-rest"}
    (root / "portal.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(root))
    yield network
    network.stop()


def run(*args, code=0):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def plan_json(agency):
    return json.loads(run("plan", agency, "--json").output)


def posts(network, slug):
    return network.all(f"/{slug}/wp-json/wp/v2/posts?context=edit")


def test_sample_units_migrate_into_a_wordpress_network(to_wordpress, sample_server):
    network = to_wordpress
    run("transform", "stnmt", "xa-hoaxuan", "-s")
    missing = run("plan", "stnmt", code=1)
    assert re.search(r"has no (site /stnmt/|subsite) for Sở Tài nguyên và Môi trường", missing.output)
    assert "wp site create --slug=stnmt" in missing.output
    network.create_site("stnmt", "Sở Tài nguyên và Môi trường")
    network.create_site("xa-hoaxuan", "UBND xã Hòa Xuân")

    first = plan_json("stnmt")
    assert first["summary"]["create"] == 7
    run("apply", str(first["plan"]), "--yes", "-s")
    commune = plan_json("xa-hoaxuan")
    run("apply", str(commune["plan"]), "--yes", "-s")
    stnmt = posts(network, "stnmt")
    assert len([p for p in stnmt if "portalize:item" in p["content"]["raw"]]) == 7
    # Legal documents keep their fields (a table) and their files (the media library).
    decision = next(p for p in stnmt if p["title"]["raw"].startswith("Quyết định ban hành bảng giá đất"))
    assert 'class="portalize-document"' in decision["content"]["raw"] and "Số ký hiệu" in decision["content"]["raw"]
    media = network.all("/stnmt/wp-json/wp/v2/media")
    pdf = next(m for m in media if m["source_url"].endswith(".pdf"))
    assert pdf["source_url"] in decision["content"]["raw"]
    with urllib.request.urlopen(pdf["source_url"], timeout=30) as answer:
        assert answer.read().startswith(b"%PDF")
    categories = {c["slug"] for c in network.all("/stnmt/wp-json/wp/v2/categories")}
    assert {"news", "legal-docs"} <= categories
    # A date with its offset lands as the same moment.
    assert decision["date_gmt"] == "2019-12-20T09:00:00"

    # The link to the commune's item, known once it was loaded: the next plan resolves it.
    again = plan_json("stnmt")
    assert again["summary"]["update"] == 1 and again["summary"]["unchanged"] == 6
    run("apply", str(again["plan"]), "--yes", "-s")
    linking = next(p for p in posts(network, "stnmt") if p["title"]["raw"] == "Đẩy mạnh chuyển đổi số trong lĩnh vực đất đai")
    birth = next(p for p in posts(network, "xa-hoaxuan") if "khai sinh" in p["title"]["raw"].lower())
    assert f'href="{birth["link"]}"' in linking["content"]["raw"]
    assert "{{item:" not in linking["content"]["raw"]

    # Nothing left to do: revisions are compared, not the HTML WordPress renders.
    settled = plan_json("stnmt")
    assert settled["summary"]["unchanged"] == 7 and settled["summary"]["conflict"] == 0
    assert "already applied" in run("apply", str(again["plan"]), "--yes", "-s").output

    # An editor changes a post in wp-admin: the next plan keeps it and says so.
    import time
    time.sleep(1.1)
    network.site_rest("stnmt", "POST", f"/wp-json/wp/v2/posts/{linking['id']}", {"title": "Biên tập viên đã sửa"})
    edited = plan_json("stnmt")
    assert edited["summary"]["conflict"] == 1
    conflict = next(e for e in edited["entries"] if e["action"] == "conflict")
    assert "edited on the portal after loading" in conflict["reason"]

    # Interim links: a links page on the network's main site.
    origins = [a for h, u in sample_server.origins.items() for a in ("--origin", f"{h}={u}")]
    run("links", "register", "stnmt", "xa-hoaxuan", *origins)
    page = network.rest("GET", "/wp-json/wp/v2/pages?slug=lien-ket-don-vi&context=edit")[0]
    assert page["title"]["raw"] == "Liên kết trang thông tin điện tử các đơn vị"
    assert re.search(r'data-portalize-link="stnmt".*href="http://stnmt.tinhmau.gov.vn/', page["content"]["raw"])
