"""Every command has -h/--help with a one-line summary and an example; user errors are one
clear message naming the agency, file or plan, with exit status 1."""
import click
import pytest
from click.testing import CliRunner

from portalize.cli import cli


def all_commands(group=cli, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in all_commands()], ids=" ".join)
def test_help_has_summary_and_example(path):
    for flag in ("-h", "--help"):
        result = CliRunner().invoke(cli, [*path, flag])
        assert result.exit_code == 0, result.output
        assert "Example:" in result.output
        assert "portalize " in result.output.split("Example:")[1]
    command = dict(all_commands())[path]
    assert command.get_short_help_str(200).strip()


def test_unknown_agency_is_one_clear_error(workspace):
    result = CliRunner().invoke(cli, ["transform", "so-khong-co"])
    assert result.exit_code == 1
    assert "Unknown agency 'so-khong-co'. Registered agencies: sgddt, skhcn, stc, stnmt, xa-hoaxuan, xtdt." in result.output
    assert "Traceback" not in result.output


def test_missing_plan_is_one_clear_error(workspace):
    result = CliRunner().invoke(cli, ["apply", "999", "--yes"])
    assert result.exit_code == 1
    assert "There is no plan 999." in result.output and "portalize plan AGENCY" in result.output


def test_a_command_needs_agencies_or_all(workspace):
    result = CliRunner().invoke(cli, ["crawl"])
    assert result.exit_code == 1 and "name one or more agencies, or pass --all" in result.output


def test_bad_origin_is_explained(workspace):
    result = CliRunner().invoke(cli, ["crawl", "stnmt", "--origin", "nonsense"])
    assert result.exit_code == 2 and "should be HOST=URL" in result.output


def test_readme_documents_every_command():
    from pathlib import Path
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for path, command in all_commands():
        if not isinstance(command, click.Group):
            assert f"portalize {' '.join(path)}" in readme, f"README does not document `portalize {' '.join(path)}`"


def test_extract_a_saved_file_with_an_agency_mapping(tmp_path, sample_sites):
    import json
    path = "/-/asset_publisher/Xy7kPq2mN4aB/content/quyet-dinh-ban-hanh-bang-gia-dat"
    page = tmp_path / "saved.html"
    page.write_bytes(sample_sites.route("stnmt.tinhmau.gov.vn", path).body)
    result = CliRunner().invoke(cli, ["extract", str(page), "--url", f"http://stnmt.tinhmau.gov.vn{path}",
                                      "--agency", "stnmt", "--json"])
    assert result.exit_code == 0, result.output
    article = json.loads(result.output)
    assert article["title"] == "Quyết định ban hành bảng giá đất giai đoạn 2020-2024"
    assert article["extracted_by"].startswith("liferay@")
    assert article["field_sources"]["title"] == ".asset-full-content .header-title ::text"
    human = CliRunner().invoke(cli, ["extract", str(page), "--agency", "stnmt"])
    assert "[.asset-full-content .header-title ::text]" in human.output


@pytest.mark.integration
def test_extract_a_url_with_no_agency_uses_the_platform_it_detects(sample_server):
    """As a migration would: the platform detected from the page (NukeViet here), its preset and
    the fallback chain; the output says which platform, and why."""
    url = "http://hoaxuan.tinhmau.gov.vn/vi/news/tin-tuc-su-kien/dai-hoi-dai-bieu-mttq-xa-101.html"
    result = CliRunner().invoke(cli, ["extract", url, "--origin", f"hoaxuan.tinhmau.gov.vn={sample_server.url}"])
    assert result.exit_code == 0, result.output
    assert "extracted by nukeviet@" in result.output and "platform: nukeviet (detected:" in result.output
    assert "Đại hội đại biểu Mặt trận Tổ quốc Việt Nam xã Hòa Xuân lần thứ XII" in result.output
    assert "hiệp thương cử 35 vị" in result.output


def test_extract_refuses_what_is_neither_file_nor_url():
    result = CliRunner().invoke(cli, ["extract", "khong-co-tep.html"])
    assert result.exit_code == 1 and "neither a file nor an http(s) URL" in result.output


@pytest.mark.integration
def test_categories_lists_mapped_and_unmapped(crawled):
    assert CliRunner().invoke(cli, ["transform", "stnmt", "-s"]).exit_code == 0
    result = CliRunner().invoke(cli, ["categories", "stnmt"])
    assert result.exit_code == 0
    assert "5  Tin hoạt động" in result.output and "-> news" in result.output
    assert "2  Văn bản chỉ đạo điều hành" in result.output and "-> legal-docs" in result.output


@pytest.mark.integration
def test_mapping_check_shows_each_selector(sample_server):
    origin = f"hoaxuan.tinhmau.gov.vn={sample_server.url}"
    url = "http://hoaxuan.tinhmau.gov.vn/vi/news/thu-tuc-hanh-chinh/thu-tuc-dang-ky-khai-sinh-201.html"
    result = CliRunner().invoke(cli, ["mapping", "check", "xa-hoaxuan", url, "--origin", origin])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(l.startswith("=> title") and "Thủ tục đăng ký khai sinh" in l for l in lines)
    assert any(l.startswith("   title") and "h1.title ::text" in l for l in lines)  # a later fallback, not used
    assert any(l.startswith("=> attachments") and "mau-to-khai-dang-ky-khai-sinh.pdf" in l for l in lines)
    import json
    rows = json.loads(CliRunner().invoke(cli, ["mapping", "check", "xa-hoaxuan", url, "--origin", origin,
                                               "--json"]).output)
    assert [r["selector"] for r in rows if r["used"] and r["field"] == "body"] == ["#news-bodyhtml"]


@pytest.mark.integration
@pytest.mark.parametrize("url, platform, evidence", [
    ("http://stnmt.tinhmau.gov.vn/web/guest/trang-chu", "liferay", "URL has '/web/guest/'"),
    ("http://hoaxuan.tinhmau.gov.vn/vi/", "nukeviet", "HTML has 'content=\"NukeViet'"),
    ("http://skhcn.tinhmau.gov.vn/wps/portal/skhcn/trang-chu", "websphere", "HTML has 'wpthemeControl'"),
    ("http://stc.tinhmau.gov.vn/Trang/TrangChu.aspx", "sharepoint", "HTML has '_spPageContextInfo'"),
    ("http://sgddt.tinhmau.gov.vn/tabid/36/Default.aspx", "dnn", "URL has '/tabid/'"),
    ("http://xtdt.tinhmau.gov.vn/", "wordpress", "HTML has 'content=\"WordPress'"),
])
def test_detect_names_the_platform_with_evidence(sample_server, url, platform, evidence):
    host = url.split("/")[2]
    result = CliRunner().invoke(cli, ["detect", url, "--origin", f"{host}={sample_server.url}"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"{url}: {platform}"
    assert f"  - {evidence}" in result.output
