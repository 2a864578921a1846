"""Typed limits (issue 21, hole 9): wherever a mapping file expects a number, a boolean, NaN or an
infinity is refused with a `file:key` message. YAML reads `false`, `.nan` and `.inf` as a bool
and floats; `false` slipped past the range check (`False` is 0, but bools were waved through)
and switched DOWNLOAD_MAXSIZE, PORTALIZE_MAX_PAGES and PORTALIZE_MAX_DEPTH off; NaN fails
every comparison, so `quality: {max_other: .nan}` switched the quality gate off.

The settings tried are enumerated from the validator's own tables, not listed here."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from portalize.core import registry as reg
from portalize.core.errors import MappingError

from .conftest import run_portalize

ROOT = Path(__file__).resolve().parent.parent

GOOD = ("code: moi\nname: Sở Mới\nlevel: department\nplatform: liferay\n"
        "legacy: {base_urls: ['http://moi.tinhmau.gov.vn/'], hosts: [moi.tinhmau.gov.vn]}\n"
        "target: {subsite: Sở Mới, path: /web/moi}\n")
# YAML spellings of things that are not numbers (as YAML reads them: bool, float nan/inf, text).
NOT_NUMBERS = ["false", "true", ".nan", ".NaN", ".inf", "-.inf", "+.inf", "'10'", "ten", "'nan'"]

NUMERIC_CRAWL = [name for name in reg.CRAWL_SETTINGS if name in reg.CRAWL_RANGES]
FLAG_CRAWL = [name for name in reg.CRAWL_SETTINGS if name in reg.CRAWL_FLAGS]


def test_every_crawl_setting_is_a_number_a_flag_or_text():
    """The enumeration misses nothing: each setting an agency may set is in exactly one table."""
    for name in reg.CRAWL_SETTINGS:
        kinds = [name in reg.CRAWL_RANGES, name in reg.CRAWL_FLAGS, name == "USER_AGENT"]
        assert kinds.count(True) == 1, name
    assert set(reg.QUALITY_RANGES) == set(reg.QUALITY_DEFAULTS)
    assert NUMERIC_CRAWL and FLAG_CRAWL and reg.PORTAL_NUMBERS


def _mappings(tmp_path: Path) -> Path:
    root = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    return root


def _problems_of(root: Path, text: str) -> list[str]:
    (root / "agencies" / "moi.yml").write_text(text, encoding="utf-8")
    registry = reg.load_registry(root)
    assert "moi" not in registry.agencies
    return registry.broken[str(root / "agencies" / "moi.yml")]


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_every_numeric_crawl_setting_and_quality_threshold_refuses_what_is_not_a_number(tmp_path, value):
    """One agency file sets every numeric crawl setting and every quality threshold to `value`:
    each one is named in its own `file:key` problem."""
    root = _mappings(tmp_path)
    crawl = ", ".join(f"{name}: {value}" for name in NUMERIC_CRAWL)
    quality = ", ".join(f"{key}: {value}" for key in reg.QUALITY_RANGES)
    problems = _problems_of(root, GOOD + f"crawl: {{{crawl}}}\nquality: {{{quality}}}\n")
    for key in [f"crawl.{n}" for n in NUMERIC_CRAWL] + [f"quality.{k}" for k in reg.QUALITY_RANGES]:
        assert any(p.startswith(f"mappings/agencies/moi.yml:{key}: ") for p in problems), (key, problems)


@pytest.mark.parametrize("name", NUMERIC_CRAWL)
def test_each_numeric_crawl_setting_still_takes_its_lowest_and_highest_values(tmp_path, name):
    low, high = reg.CRAWL_RANGES[name]
    root = _mappings(tmp_path)
    for good in (low, high):
        (root / "agencies" / "moi.yml").write_text(GOOD + f"crawl: {{{name}: {good}}}\n", encoding="utf-8")
        registry = reg.load_registry(root)
        assert registry.agency("moi").crawl_settings[name] == good


@pytest.mark.parametrize("value", ["1", "0", "'yes'", ".nan", "'false'"])
def test_crawl_switches_take_only_true_or_false(tmp_path, value):
    root = _mappings(tmp_path)
    crawl = ", ".join(f"{name}: {value}" for name in FLAG_CRAWL)
    problems = _problems_of(root, GOOD + f"crawl: {{{crawl}}}\n")
    for name in FLAG_CRAWL:
        assert any(p.startswith(f"mappings/agencies/moi.yml:crawl.{name}: ") and "true or false" in p
                   for p in problems), (name, problems)


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_every_portal_number_refuses_what_is_not_a_number(tmp_path, value):
    root = _mappings(tmp_path)
    portal = yaml.safe_load((root / "portal.yml").read_text(encoding="utf-8"))
    text = (root / "portal.yml").read_text(encoding="utf-8")
    numbers = "".join(f"  {key}: {value}\n" for key in reg.PORTAL_NUMBERS)
    (root / "portal.yml").write_text(text.replace("portal:\n", "portal:\n" + numbers, 1), encoding="utf-8")
    assert "portal" in portal
    with pytest.raises(MappingError) as info:
        reg.load_registry(root)
    for key in reg.PORTAL_NUMBERS:
        assert any(p.startswith(f"mappings/portal.yml:portal.{key}: ") for p in info.value.problems), \
            (key, info.value.problems)


def test_a_nan_in_the_regulation_profile_gate_is_refused(tmp_path):
    root = _mappings(tmp_path)
    profile = next((root / "regulation").glob("*.yml"))
    profile.write_text(profile.read_text(encoding="utf-8") + "\nquality: {max_other: .nan}\n", encoding="utf-8")
    with pytest.raises(MappingError) as info:
        reg.load_registry(root)
    assert any(f"{profile.name}:quality.max_other: nan must be a finite number" in p for p in info.value.problems)


def test_validate_names_the_file_and_key_of_a_limit_switched_off(tmp_path):
    """The probe's files, through the real command: each limit set to `false` is refused."""
    root = _mappings(tmp_path)
    (root / "agencies" / "moi.yml").write_text(
        GOOD + "crawl: {DOWNLOAD_MAXSIZE: false, PORTALIZE_MAX_PAGES: false, PORTALIZE_MAX_DEPTH: false}\n"
        "quality: {max_other: .nan}\n", encoding="utf-8")
    result = run_portalize("agencies", "validate", check=False,
                           env_extra={"PORTALIZE_MAPPINGS": str(root), "PORTALIZE_VAR": str(tmp_path / "var"),
                                      "PORTALIZE_DB": f"sqlite:///{tmp_path / 'var' / 'l.db'}"})
    assert result.returncode != 0
    out = result.stdout + result.stderr
    for key in ("crawl.DOWNLOAD_MAXSIZE", "crawl.PORTALIZE_MAX_PAGES", "crawl.PORTALIZE_MAX_DEPTH"):
        assert f"agencies/moi.yml:{key}: False is true/false, not a number" in out, out
    assert "agencies/moi.yml:quality.max_other: nan must be a finite number" in out
    assert "Traceback" not in out


@pytest.mark.parametrize("value", ["inf", "1.e400", "nan", "-1", "true"])
def test_a_crawl_setting_on_the_command_line_refuses_infinities_and_nan(value):
    result = run_portalize("crawl", "stnmt", "-s", "-S", f"AUTOTHROTTLE_TARGET_CONCURRENCY={value}", check=False)
    assert result.returncode == 2
    assert "AUTOTHROTTLE_TARGET_CONCURRENCY must be a number of zero or more" in result.stderr
    assert "Traceback" not in result.stderr
