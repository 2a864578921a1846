import json
from pathlib import Path
import shutil

import pytest
from click.testing import CliRunner

from portalize.cli import cli
from portalize.core.errors import MappingError, UnknownAgency
from portalize.core.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_mappings_load():
    registry = load_registry(ROOT / "mappings")
    assert set(registry.agencies) == {"stnmt", "xa-hoaxuan", "skhcn", "stc", "sgddt", "xtdt"}
    assert set(registry.platforms) == {"liferay", "nukeviet", "websphere", "sharepoint", "dnn", "aspnet",
                                       "wordpress", "ckan", "generic"}
    assert str(registry.profile.deadline) == "2024-08-15"
    assert {g.code for g in registry.profile.groups} >= {"legal-docs", "procedures", "news", "other"}
    hoaxuan = registry.agency("xa-hoaxuan")
    assert hoaxuan.level == "commune" and hoaxuan.successor and hoaxuan.disposition == "migrate"
    assert hoaxuan.hosts == ("hoaxuan.tinhmau.gov.vn",)


def test_unknown_agency_names_the_known_ones():
    registry = load_registry(ROOT / "mappings")
    with pytest.raises(UnknownAgency) as info:
        registry.agency("so-khong-co")
    assert "so-khong-co" in str(info.value) and "stnmt" in str(info.value)


@pytest.fixture
def broken_mappings(tmp_path, monkeypatch):
    root = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    (root / "agencies" / "bad.yml").write_text(
        "code: bad\nname: Sở Hỏng\nlevel: ministry\nplatform: joomla\ncolour: red\n"
        "legacy: {base_urls: ['ftp://x']}\ntarget: {subsite: X}\ncategories: {Tin tức: tin-tuc}\n", encoding="utf-8")
    (root / "agencies" / "yaml.yml").write_text("code: [unclosed\n", encoding="utf-8")
    (root / "agencies" / "override.yml").write_text(
        "code: override\nname: Sở Ghi đè\nlevel: department\nplatform: liferay\n"
        "legacy: {base_urls: ['http://x.tinhmau.gov.vn/']}\ntarget: {subsite: X, path: /web/x}\n"
        "overrides: {fields: {title: [], colour: ['h1']}, discovery: {sitemaps: ['sitemap.xml']}, extra: 1}\n"
        "crawl: {DOWNLOAD_DELAY: slow, ITEM_PIPELINES: 1}\n",
        encoding="utf-8")
    (root / "platforms" / "empty.yml").write_text(
        "name: empty\ndiscovery: {sections: [], items: ['a::attr(href)'], pagination: ['a'], item_url_patterns: ['x']}\n"
        "fields: {title: ['h1::text'], body: ['!!bad selector']}\n", encoding="utf-8")
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(root))
    return root


def test_every_problem_is_reported_as_file_key_message(broken_mappings):
    registry = load_registry(broken_mappings)  # broken files are left out, each with its problems
    problems = [p for file_problems in registry.broken.values() for p in file_problems]
    expected = [
        "mappings/agencies/bad.yml:level: unknown level 'ministry'; valid: department, district, commune, other",
        "mappings/agencies/bad.yml:platform: unknown platform 'joomla'; valid:",
        "mappings/agencies/bad.yml:colour: unknown key; valid keys:",
        "mappings/agencies/bad.yml:legacy.base_urls[0]: 'ftp://x' is not an http(s) URL",
        "mappings/agencies/bad.yml:target: needs a path",
        "mappings/agencies/bad.yml:categories.Tin tức: unknown content group 'tin-tuc'; valid:",
        "mappings/agencies/yaml.yml:line 2: not valid YAML",
        "mappings/platforms/empty.yml:discovery.sections: must be a non-empty list of selectors",
        "mappings/platforms/empty.yml:fields.body[0]: invalid CSS selector",
        "mappings/agencies/override.yml:overrides.extra: unknown key; valid keys: discovery, fields",
        "mappings/agencies/override.yml:overrides.fields.title: must be a non-empty list of selectors",
        "mappings/agencies/override.yml:overrides.fields.colour: unknown key; valid keys: title,",
        "mappings/agencies/override.yml:overrides.discovery.sitemaps[0]: 'sitemap.xml' must be a path starting with /",
        "mappings/agencies/override.yml:crawl.DOWNLOAD_DELAY: 'slow' must be a number",
        "mappings/agencies/override.yml:crawl.ITEM_PIPELINES: unknown key; valid keys: DOWNLOAD_DELAY,",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in problems), f"missing {line!r} in {problems}"


def test_validate_command_exit_status(broken_mappings):
    result = CliRunner().invoke(cli, ["agencies", "validate"])
    assert result.exit_code == 1
    assert "mappings/agencies/bad.yml:level: unknown level 'ministry'" in result.output
    assert "problem(s)" in result.output


def test_validate_command_ok(monkeypatch):
    monkeypatch.delenv("PORTALIZE_MAPPINGS", raising=False)
    result = CliRunner().invoke(cli, ["agencies", "validate"])
    assert result.exit_code == 0, result.output
    assert "OK: 6 agencies, 9 platform presets" in result.output


def test_a_broken_agency_file_stops_only_that_agency(broken_mappings, workspace):
    result = CliRunner().invoke(cli, ["progress", "--json"])
    assert result.exit_code == 0, result.output
    codes = {row["code"] for row in json.loads(result.stdout)}
    assert "stnmt" in codes and "bad" not in codes
    assert "warning: bad.yml is left out until it is fixed" in result.stderr
    result = CliRunner().invoke(cli, ["transform", "bad"])
    assert result.exit_code == 1
    assert "mappings/agencies/bad.yml:platform: unknown platform 'joomla'" in result.output
    assert "Next: fix the files above, then run `portalize agencies validate`" in result.output


def test_hosts_outside_the_domain_pattern_are_warned_not_refused(tmp_path, monkeypatch):
    root = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    path = root / "agencies" / "stnmt.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("hosts: [stnmt.tinhmau.gov.vn]",
                                                             "hosts: [stnmt.tinhmau.gov.vn, tnmt-tinhmau.com.vn]"),
                    encoding="utf-8")
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(root))
    result = CliRunner().invoke(cli, ["agencies", "validate"])
    assert result.exit_code == 0
    assert "warning: mappings/agencies/stnmt.yml:legacy.hosts: 'tnmt-tinhmau.com.vn' does not follow" in result.output


def test_an_override_beside_the_agency_changes_only_what_differs(tmp_path):
    root = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    path = root / "agencies" / "stc.yml"
    path.write_text(path.read_text(encoding="utf-8") + "overrides:\n  fields:\n    title: ['h1.tieu-de ::text']\n"
                    "  discovery:\n    drop_params: [Source, utm_source]\n", encoding="utf-8")
    registry = load_registry(root)
    preset, agency = registry.platforms["sharepoint"], registry.agency("stc")
    assert agency.platform.fields["title"] == ["h1.tieu-de ::text"]
    assert agency.platform.discovery["drop_params"] == ["Source", "utm_source"]
    assert {k: v for k, v in agency.platform.fields.items() if k != "title"} == \
        {k: v for k, v in preset.fields.items() if k != "title"}
    assert agency.platform.discovery["items"] == preset.discovery["items"]
    assert agency.platform.version != preset.version  # recorded on every article as extracted_by


def test_relative_sqlite_paths_follow_the_var_directory_whatever_its_name(tmp_path, monkeypatch):
    from portalize.core.config import resolve_sqlite_url
    monkeypatch.setenv("PORTALIZE_VAR", str(tmp_path / "demo-ws"))
    assert resolve_sqlite_url("sqlite:///var/portal.db") == f"sqlite:///{tmp_path}/demo-ws/portal.db"
    assert resolve_sqlite_url("sqlite:///data/x.db") == f"sqlite:///{Path.cwd()}/data/x.db"
    assert resolve_sqlite_url("sqlite:////abs/x.db") == "sqlite:////abs/x.db"


def _agency_file(tmp_path, monkeypatch, text: str):
    root = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    (root / "agencies" / "moi.yml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(root))
    return load_registry(root)


GOOD = ("code: moi\nname: Sở Mới\nlevel: department\nplatform: liferay\n"
        "legacy: {base_urls: ['http://moi.tinhmau.gov.vn/'], hosts: [moi.tinhmau.gov.vn]}\n"
        "target: {subsite: Sở Mới, path: /web/moi}\n")


@pytest.mark.parametrize("text, problem", [
    (GOOD + "name: Sở Mới lần hai\n", "moi.yml:line 7: not valid YAML (found the key 'name' twice (first on line 2))"),
    (GOOD + "robots: 'false'\n", "moi.yml:robots: 'false' is text in quotes; write true or false without quotes"),
    (GOOD.replace("hosts: [moi.tinhmau.gov.vn]", "hosts: moi.tinhmau.gov.vn"), "moi.yml:legacy.hosts: must be a list of strings"),
    (GOOD + "crawl: {DOWNLOAD_DELAY: -1}\n", "moi.yml:crawl.DOWNLOAD_DELAY: -1 is out of range; allowed: 0 to 600"),
    (GOOD + "crawl: {CONCURRENT_REQUESTS: 100000}\n", "moi.yml:crawl.CONCURRENT_REQUESTS: 100000 is out of range"),
    (GOOD + "categories: {'(none)': tin-tuc}\n", "moi.yml:categories.(none): an empty legacy category is never matched"),
])
def test_a_wrong_value_is_a_file_key_message_and_stops_only_that_agency(tmp_path, monkeypatch, text, problem):
    registry = _agency_file(tmp_path, monkeypatch, text)
    problems = registry.broken[str(tmp_path / "mappings" / "agencies" / "moi.yml")]
    assert any(problem in p for p in problems), problems
    assert "moi" not in registry.agencies and "stnmt" in registry.agencies
    with pytest.raises(MappingError):
        registry.agency("moi")


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path, monkeypatch):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    levels += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    bomb = "\n".join(levels) + "\n"
    assert len(bomb) < 700  # 9 ** 9 = 387 million strings once expanded
    registry = _agency_file(tmp_path, monkeypatch, bomb)
    [problem] = registry.broken[str(tmp_path / "mappings" / "agencies" / "moi.yml")]
    assert "aliases expand past 100,000 nodes" in problem


def test_the_good_file_loads(tmp_path, monkeypatch):
    assert _agency_file(tmp_path, monkeypatch, GOOD).agency("moi").hosts == ("moi.tinhmau.gov.vn",)


def test_report_cells_are_never_formulas(tmp_path, monkeypatch):
    """OWASP's rule: text starting with = + - @, a tab or a carriage return is neutralised in every
    CSV the project writes."""
    import csv
    from portalize.core.report_files import safe_cell, write_csv
    monkeypatch.setenv("PORTALIZE_VAR", str(tmp_path))
    rows = [["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "Tin tức", 3]]
    path = write_csv("bad.csv", ["a", "b", "c", "d", "e", "f", "g", "h"], rows)
    with path.open(encoding="utf-8-sig") as f:
        read = list(csv.reader(f))[1]
    assert all(v.startswith("'") for v in read[:6]) and read[6] == "Tin tức" and read[7] == "3"
    assert safe_cell(5) == 5


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/", "http://10.0.0.1/", "http://127.0.0.1:8080/",
                                 "http://localhost/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/"])
def test_private_and_link_local_base_urls_are_refused(tmp_path, url):
    from portalize.core.registry import load_registry
    root = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    (root / "agencies" / "noi-bo.yml").write_text(
        f"code: noi-bo\nname: Nội bộ\nlevel: other\nplatform: generic\nlegacy: {{base_urls: ['{url}']}}\n"
        "target: {subsite: Nội bộ, path: /web/noi-bo}\n", encoding="utf-8")
    registry = load_registry(root)
    assert "noi-bo" not in registry.agencies
    assert any("private, loopback or link-local" in p for problems in registry.broken.values() for p in problems)
    text = (root / "agencies" / "noi-bo.yml").read_text(encoding="utf-8")
    (root / "agencies" / "noi-bo.yml").write_text(text + "local_test_host: true\n", encoding="utf-8")
    assert "noi-bo" in load_registry(root).agencies


def test_database_passwords_are_never_shown():
    """Messages and the demo's summary show database URLs with the password masked; a portal
    database that cannot be reached says so without its password."""
    from portalize.core.config import masked
    from portalize.core.errors import PortalError
    from portalize.loaders.sql_portal.adapter import SqlPortal
    assert masked("postgresql+psycopg://portal:s3cr3t@127.0.0.1:5432/cong") == \
        "postgresql+psycopg://portal:***@127.0.0.1:5432/cong"
    assert masked("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    with pytest.raises(PortalError) as raised:
        SqlPortal("postgresql+psycopg://portal:s3cr3t@127.0.0.1:1/cong", "https://cong.tinhmau.gov.vn")
    assert "s3cr3t" not in str(raised.value) and "portal:***@" in str(raised.value)
