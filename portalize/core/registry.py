"""The registry: agencies, platform presets, the regulation profile and the portal config,
all read from `mappings/` and validated up front. Every problem is reported as
`file:key: message`; unknown values are answered with the valid ones."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from parsel import Selector

from . import config, yaml_loader
from .addresses import internal_address
from .errors import MappingError, UnknownAgency

log = logging.getLogger("portalize")

LEVELS = ("department", "district", "commune", "other")
DISPOSITIONS = ("migrate", "archive-only")
FIELD_KEYS = ("title", "date", "summary", "body", "category", "author", "attachments", "images", "exclude")
DISCOVERY_KEYS = ("sections", "items", "pagination", "postback", "item_url_patterns", "drop_params",
                  "skip_url_patterns", "sitemaps")
SELECTOR_DISCOVERY_KEYS = ("sections", "items", "pagination")
PLATFORM_KEYS = ("name", "label", "detect", "discovery", "fields", "classify", "traps")
CLASSIFY_KEYS = ("item", "page", "list")
AGENCY_KEYS = ("code", "name", "level", "platform", "legacy", "target", "successor", "disposition",
               "target_date", "milestones", "former", "categories", "robots", "local_test_host", "overrides", "crawl", "quality",
               "document_labels")
# Fields of a legal document an agency may add labels for (`document_labels:`).
DOCUMENT_FIELDS = ("number", "type", "issuer", "signer", "issued", "effective", "expiry", "status", "abstract", "field")
# The quality gate a plan must pass (regulation profile `quality:`, agency file `quality:`).
QUALITY_DEFAULTS = {"min_items": 1, "max_missing_title": 0.05, "max_missing_date": 0.05, "max_other": 0.30,
                    "max_unlisted": 0.02}
# Scrapy and portalize settings an agency file may set for its own crawl (politeness and limits).
CRAWL_SETTINGS = ("DOWNLOAD_DELAY", "RANDOMIZE_DOWNLOAD_DELAY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN",
                  "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY",
                  "AUTOTHROTTLE_TARGET_CONCURRENCY", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "RETRY_TIMES",
                  "USER_AGENT", "PORTALIZE_MAX_PAGES", "PORTALIZE_MAX_DEPTH", "PORTALIZE_MAX_ASSET_BYTES",
                  "PORTALIZE_RETRY_BACKOFF", "PORTALIZE_RETRY_BACKOFF_MAX")


@dataclass(frozen=True)
class ContentGroup:
    code: str
    name: str
    name_en: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    in_force: dt.date
    deadline: dt.date
    timezone: str
    domain_pattern: str
    groups: tuple[ContentGroup, ...]
    quality: dict = field(default_factory=lambda: dict(QUALITY_DEFAULTS))
    # level -> content groups a unit's subsite must have content in (verify names the missing ones)
    required_groups: dict = field(default_factory=dict)

    def group(self, code: str) -> ContentGroup:
        return next(g for g in self.groups if g.code == code)


@dataclass(frozen=True)
class Platform:
    name: str
    label: str
    discovery: dict
    fields: dict
    detect: dict = field(default_factory=dict)
    traps: tuple = ()
    classify: dict = field(default_factory=dict)  # CSS markers of item, page and list pages (hints)

    @property
    def version(self) -> str:
        """A short fingerprint of the selectors, recorded as `extracted_by` on each article."""
        import hashlib
        return hashlib.sha256(repr((self.discovery, self.fields, self.classify)).encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    level: str
    platform: Platform
    base_urls: tuple[str, ...]
    hosts: tuple[str, ...]
    subsite_name: str
    subsite_path: str
    disposition: str = "migrate"
    successor: str | None = None
    target_date: dt.date | None = None
    categories: dict = field(default_factory=dict)
    obey_robots: bool = True
    source_file: str = ""
    platform_declared: bool = True  # False: no `platform:` in the file; detected at registration
    local_test_host: bool = False  # redirects to private/loopback addresses allowed (test sites only)
    crawl_settings: dict = field(default_factory=dict)  # this agency's own crawl settings (`crawl:`)
    quality: dict = field(default_factory=dict)  # this agency's own quality-gate thresholds (`quality:`)
    document_labels: dict = field(default_factory=dict)  # extra labels of legal-document fields
    # The unit's own milestones (link, content, cutover: dates) and, after the 2025 mergers, the
    # former province and district it belonged to (for reports grouped as before).
    milestones: dict = field(default_factory=dict)
    former: dict = field(default_factory=dict)


@dataclass
class Registry:
    agencies: dict[str, Agency]
    platforms: dict[str, Platform]
    profile: Profile
    portal: dict
    warnings: list = field(default_factory=list)
    broken: dict = field(default_factory=dict)  # agency file -> its problems; that agency is left out

    def agency(self, code: str) -> Agency:
        try:
            return self.agencies[code]
        except KeyError:
            for file, problems in self.broken.items():
                if Path(file).stem == code:
                    raise MappingError(problems) from None
            known = ", ".join(sorted(self.agencies)) or "none"
            raise UnknownAgency(f"Unknown agency '{code}'. Registered agencies: {known}.",
                                f"add mappings/agencies/{code}.yml, or run `portalize agencies list`") from None

    def with_detected(self, detected: dict[str, str]) -> "Registry":
        """Agencies whose file names no platform take the one detected at registration."""
        for code, name in detected.items():
            agency = self.agencies.get(code)
            if agency and not agency.platform_declared and name in self.platforms:
                self.agencies[code] = dataclasses.replace(agency, platform=self.platforms[name])
        return self

    def select(self, codes: tuple[str, ...] | list[str], all_: bool = False) -> list[Agency]:
        if all_ or not codes:
            return list(self.agencies.values())
        return [self.agency(c) for c in codes]


class _Problems(list):
    """Problems as `file:key: message`, files shown relative to the folder above mappings/."""

    base: Path | None = None

    def add(self, file: Path, key: str, message: str) -> None:
        shown = file
        if self.base and file.is_relative_to(self.base):
            shown = file.relative_to(self.base)
        self.append(f"{shown}:{key}: {message}")


def _read_yaml(path: Path, problems: _Problems):
    try:
        data = yaml_loader.load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        key = f"line {where.line + 1}" if where else "file"
        problems.add(path, key, f"not valid YAML ({getattr(exc, 'problem', None) or exc})")
        return None
    if not isinstance(data, dict):
        problems.add(path, "file", "must be a mapping of keys to values")
        return None
    return data


def _unknown_keys(data: dict, allowed, path: Path, prefix: str, problems: _Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.add(path, f"{prefix}{key}", f"unknown key; valid keys: {', '.join(allowed)}")


def _section(data: dict, key: str, allowed, path: Path, problems: _Problems, shape: str) -> dict:
    """An optional mapping in a file (`classify:`, `crawl:`, `quality:`, `document_labels:`):
    {} when absent or not a mapping (said), and its unknown keys said."""
    value = data.get(key) or {}
    if not isinstance(value, dict):
        problems.add(path, key, f"must be a mapping of {shape}")
        return {}
    _unknown_keys(value, allowed, path, f"{key}.", problems)
    return value


def _check_selectors(selectors, path: Path, key: str, problems: _Problems, css: bool = True) -> None:
    if not isinstance(selectors, list) or not selectors:
        problems.add(path, key, "must be a non-empty list of selectors")
        return
    probe = Selector(text="<html></html>")
    for i, sel in enumerate(selectors):
        try:
            probe.css(sel) if css else re.compile(sel)
        except Exception as exc:  # parsel raises several kinds for a bad selector
            problems.add(path, f"{key}[{i}]", f"invalid {'CSS selector' if css else 'pattern'} {sel!r}: {exc}")


def _check_preset_parts(discovery: dict, fields: dict, path: Path, prefix: str, problems: _Problems) -> None:
    """Validate the discovery and fields of a preset, or of an agency's override of one: known
    keys only, every selector group a non-empty list of valid selectors or patterns."""
    _unknown_keys(discovery, DISCOVERY_KEYS, path, f"{prefix}discovery.", problems)
    _unknown_keys(fields, FIELD_KEYS, path, f"{prefix}fields.", problems)
    for key in (*SELECTOR_DISCOVERY_KEYS, "postback"):
        if key in discovery:
            _check_selectors(discovery[key], path, f"{prefix}discovery.{key}", problems)
    for key in ("item_url_patterns", "skip_url_patterns"):
        if key in discovery and (key == "item_url_patterns" or discovery[key]):
            _check_selectors(discovery[key], path, f"{prefix}discovery.{key}", problems, css=False)
    for key in ("drop_params", "sitemaps"):
        value = discovery.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            problems.add(path, f"{prefix}discovery.{key}", "must be a list of strings")
    for i, sitemap in enumerate(discovery.get("sitemaps") or []):
        if isinstance(sitemap, str) and not sitemap.startswith("/"):
            problems.add(path, f"{prefix}discovery.sitemaps[{i}]", f"{sitemap!r} must be a path starting with /")
    for key, sels in fields.items():
        if key in FIELD_KEYS:
            _check_selectors(sels, path, f"{prefix}fields.{key}", problems)


def _with_overrides(platform: Platform, overrides, path: Path, problems: _Problems) -> Platform:
    """The agency's own copy of its platform preset: each key in `overrides.discovery` or
    `overrides.fields` replaces the preset's key of that name; everything else is the preset's."""
    if not overrides:
        return platform
    if not isinstance(overrides, dict):
        problems.add(path, "overrides", "must be a mapping with `discovery` and/or `fields`")
        return platform
    _unknown_keys(overrides, ("discovery", "fields"), path, "overrides.", problems)
    discovery, fields = overrides.get("discovery") or {}, overrides.get("fields") or {}
    _check_preset_parts(discovery, fields, path, "overrides.", problems)
    return dataclasses.replace(platform, discovery={**platform.discovery, **discovery},
                               fields={**platform.fields, **fields})


def load_platform(path: Path, problems: _Problems) -> Platform | None:
    data = _read_yaml(path, problems)
    if data is None:
        return None
    before = len(problems)
    _unknown_keys(data, PLATFORM_KEYS, path, "", problems)
    if data.get("name") != path.stem:
        problems.add(path, "name", f"must equal the file name ({path.stem!r})")
    discovery, fields = data.get("discovery") or {}, data.get("fields") or {}
    _check_preset_parts(discovery, fields, path, "", problems)
    for key in SELECTOR_DISCOVERY_KEYS:
        if key not in discovery:
            _check_selectors(None, path, f"discovery.{key}", problems)
    if "item_url_patterns" not in discovery:
        _check_selectors(None, path, "discovery.item_url_patterns", problems, css=False)
    for key in ("title", "body"):
        if key not in fields:
            problems.add(path, f"fields.{key}", "is required")
    classify = _section(data, "classify", CLASSIFY_KEYS, path, problems, "item/page/list to CSS selectors")
    for key, sels in classify.items():
        _check_selectors(sels, path, f"classify.{key}", problems)
    if len(problems) > before:
        return None
    return Platform(name=data["name"], label=data.get("label", data["name"]), discovery=discovery,
                    fields=fields, detect=data.get("detect") or {}, traps=tuple(data.get("traps") or ()),
                    classify=classify)


def number_problem(value, low, high, whole: bool = False) -> str | None:
    """Why `value` is not a number from `low` to `high` (None when it is). YAML reads `false`,
    `.nan` and `.inf` as a boolean and floats: none of them is a limit (`false < 1` holds, and
    NaN fails every comparison, so either would switch a limit or a gate off)."""
    if isinstance(value, bool):
        return f"{value!r} is true/false, not a number"
    if not isinstance(value, (int, float)):
        return f"{value!r} must be a number"
    if not math.isfinite(value):
        return f"{value!r} must be a finite number"
    if whole and value != int(value):
        return f"{value!r} must be a whole number"
    if not low <= value <= high:
        return f"{value} is out of range; allowed: {low} to {high}"
    return None


# The quality gate's thresholds: (lowest, highest, whole number)
QUALITY_RANGES = {key: (0, 10_000_000, True) if key == "min_items" else (0, 1, False) for key in QUALITY_DEFAULTS}


def _quality(data: dict, path: Path, problems: _Problems, base: dict) -> dict:
    """Quality-gate thresholds (`quality:`): shares between 0 and 1, `min_items` a count."""
    value = _section(data, "quality", tuple(QUALITY_DEFAULTS), path, problems,
                     "thresholds, e.g. {max_missing_date: 0.1}")
    for key, number in value.items():
        if key in QUALITY_RANGES:
            problem = number_problem(number, *QUALITY_RANGES[key])
            if problem:
                what = "a count" if key == "min_items" else "a share from 0 to 1"
                problems.add(path, f"quality.{key}", f"{problem}; it must be {what}")
    return {**base, **{k: v for k, v in value.items() if k in QUALITY_DEFAULTS}}


def _date(value, path, key, problems):
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.add(path, key, f"{value!r} is not a date (use YYYY-MM-DD)")


def load_profile(path: Path, problems: _Problems) -> Profile | None:
    data = _read_yaml(path, problems)
    if data is None:
        return None
    groups = []
    for i, g in enumerate(data.get("content_groups") or []):
        if not g.get("code") or not g.get("name"):
            problems.add(path, f"content_groups[{i}]", "needs a code and a Vietnamese name")
            continue
        groups.append(ContentGroup(g["code"], g["name"], g.get("name_en", ""), tuple(g.get("aliases") or ())))
    if not any(g.code == "other" for g in groups):
        problems.add(path, "content_groups", "must include the group 'other' for unmapped categories")
    deadline = _date(data.get("deadline"), path, "deadline", problems)
    in_force = _date(data.get("in_force"), path, "in_force", problems)
    if deadline is None:
        problems.add(path, "deadline", "is required (the statutory conversion deadline)")
        return None
    required = _section(data, "required_groups", LEVELS, path, problems, "levels to lists of content groups")
    codes = {g.code for g in groups}
    for level, wanted in required.items():
        if not isinstance(wanted, list) or any(w not in codes for w in wanted):
            problems.add(path, f"required_groups.{level}", f"must list content groups of this profile; valid: "
                         f"{', '.join(sorted(codes))}")
    return Profile(id=data.get("id", path.stem), title=data.get("title", ""), in_force=in_force,
                   deadline=deadline, timezone=data.get("timezone", "Asia/Ho_Chi_Minh"),
                   domain_pattern=data.get("domain_pattern", ""), groups=tuple(groups),
                   quality=_quality(data, path, problems, QUALITY_DEFAULTS),
                   required_groups={k: tuple(v) for k, v in required.items() if isinstance(v, list)})


# Where an agency file's crawl settings must stay (politeness toward a fragile legacy server,
# and limits that keep one crawl from filling the disk).
CRAWL_RANGES = {"DOWNLOAD_DELAY": (0, 600), "CONCURRENT_REQUESTS": (1, 256), "CONCURRENT_REQUESTS_PER_DOMAIN": (1, 64),
                "AUTOTHROTTLE_START_DELAY": (0, 600), "AUTOTHROTTLE_MAX_DELAY": (0, 3600),
                "AUTOTHROTTLE_TARGET_CONCURRENCY": (0.1, 64), "DOWNLOAD_TIMEOUT": (1, 3600),
                "DOWNLOAD_MAXSIZE": (1024, 2**34), "RETRY_TIMES": (0, 20), "PORTALIZE_MAX_PAGES": (1, 10_000_000),
                "PORTALIZE_MAX_DEPTH": (1, 1000), "PORTALIZE_MAX_ASSET_BYTES": (1024, 2**36),
                "PORTALIZE_RETRY_BACKOFF": (0, 600), "PORTALIZE_RETRY_BACKOFF_MAX": (0, 3600),
                "PORTALIZE_MAX_SITEMAPS": (1, 1_000_000), "PORTALIZE_CLOAKING_CHECKS": (0, 10_000_000)}
# Crawl settings that count things or bytes: whole numbers only.
CRAWL_WHOLE = ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_MAXSIZE", "RETRY_TIMES",
               "PORTALIZE_MAX_PAGES", "PORTALIZE_MAX_DEPTH", "PORTALIZE_MAX_ASSET_BYTES", "PORTALIZE_MAX_SITEMAPS",
               "PORTALIZE_CLOAKING_CHECKS")
# Crawl settings that are switches: true or false.
CRAWL_FLAGS = ("RANDOMIZE_DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED")
# portal.yml's numbers for the HTTP adapters (wordpress, rest): (lowest, highest, whole number).
PORTAL_NUMBERS = {"concurrency": (1, 64, True), "timeout": (1, 3600, False), "retries": (0, 20, True),
                  "backoff": (0, 600, False), "rate_limit": (0.01, 10_000, False)}
# The ledger's column sizes for an agency's text (core/ledger/models.py, AgencyRow): checked
# by `validate`, never met first as a database error at `register`.
MILESTONES = ("link", "content", "cutover")  # interim link, content loaded, legacy host redirected
AGENCY_LENGTHS = {"code": 64, "name": 300, "successor": 300}
AGENCY_TYPES = {"code": str, "name": str, "level": str, "platform": str, "successor": str, "disposition": str,
                "robots": bool, "local_test_host": bool, "legacy": dict, "target": dict, "categories": dict,
                "overrides": dict, "crawl": dict}


def _check_types(data: dict, path: Path, problems: _Problems) -> None:
    """YAML guesses types; an agency file must say what it means. `robots: "false"` (text) is
    not false, and `hosts: a.gov.vn` is not a list."""
    for key, kind in AGENCY_TYPES.items():
        value = data.get(key)
        if value is None or isinstance(value, kind) and not (kind is not bool and isinstance(value, bool)):
            continue
        if kind is bool and isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
            problems.add(path, key, f"{value!r} is text in quotes; write true or false without quotes")
        else:
            names = {str: "text", bool: "true or false", dict: "a mapping"}
            problems.add(path, key, f"{value!r} must be {names[kind]}")


def load_agency(path: Path, platforms: dict, profile: Profile | None, problems: _Problems,
                broken_platforms=frozenset()) -> Agency | None:
    data = _read_yaml(path, problems)
    if data is None:
        return None
    before = len(problems)
    _unknown_keys(data, AGENCY_KEYS, path, "", problems)
    for key in ("code", "name", "level", "legacy", "target"):
        if not data.get(key):
            problems.add(path, key, "is required")
    code = str(data.get("code", ""))
    if code and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", code):
        problems.add(path, "code", f"{code!r} must be lower-case letters, digits and hyphens")
    if data.get("level") and data["level"] not in LEVELS:
        problems.add(path, "level", f"unknown level {data['level']!r}; valid: {', '.join(LEVELS)}")
    disposition = data.get("disposition", "migrate")
    if disposition not in DISPOSITIONS:
        problems.add(path, "disposition", f"unknown disposition {disposition!r}; valid: {', '.join(DISPOSITIONS)}")
    platform_name = data.get("platform", "generic")
    if platform_name in broken_platforms:
        problems.add(path, "platform", f"the preset {platform_name!r} is broken (mappings/platforms/{platform_name}.yml)")
    elif platform_name not in platforms:
        problems.add(path, "platform", f"unknown platform {platform_name!r}; valid: {', '.join(sorted(platforms))}")
    typed = len(problems)
    _check_types(data, path, problems)
    if len(problems) > typed:
        return None  # the rest reads these values as their types
    for key, limit in AGENCY_LENGTHS.items():
        if len(str(data.get(key) or "")) > limit:
            problems.add(path, key, f"is {len(str(data[key]))} characters long; the ledger keeps at most {limit}")
    legacy = data.get("legacy") or {}
    if not isinstance(legacy, dict):
        problems.add(path, "legacy", "must be a mapping with base_urls and hosts")
        legacy = {}
    _unknown_keys(legacy, ("base_urls", "hosts"), path, "legacy.", problems)
    for key in ("base_urls", "hosts"):
        if key in legacy and not (isinstance(legacy[key], list) and all(isinstance(v, str) for v in legacy[key])):
            problems.add(path, f"legacy.{key}", f"must be a list of strings, e.g. [{legacy[key]!r}]")
            legacy = {**legacy, key: [str(legacy[key])] if isinstance(legacy[key], str) else []}
    base_urls = legacy.get("base_urls") or []
    if not base_urls:
        problems.add(path, "legacy.base_urls", "needs at least one URL of the legacy site")
    for i, url in enumerate(base_urls):
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.add(path, f"legacy.base_urls[{i}]", f"{url!r} is not an http(s) URL")
        elif internal_address(parts.hostname) and data.get("local_test_host") is not True:
            problems.add(path, f"legacy.base_urls[{i}]",
                         f"{url!r} is a private, loopback or link-local address, never a unit's public site "
                         "(a copy elsewhere is reached with --origin HOST=URL; test sites say `local_test_host: true`)")
    hosts = list(legacy.get("hosts") or [])
    hosts += [urlsplit(u).hostname for u in base_urls if urlsplit(str(u)).hostname not in hosts]
    target = data.get("target") or {}
    _unknown_keys(target, ("subsite", "path", "host"), path, "target.", problems)
    if not target.get("subsite"):
        problems.add(path, "target.subsite", "needs the name of the subsite on the portal")
    if not (target.get("path") or target.get("host")):
        problems.add(path, "target", "needs a path (/web/unit) or a host (unit.tinh.gov.vn) on the portal")
    group_codes = {g.code for g in profile.groups} if profile else set()
    categories = data.get("categories") or {}
    for name, group in categories.items():
        if profile and group not in group_codes:
            problems.add(path, f"categories.{name}", f"unknown content group {group!r}; valid: {', '.join(sorted(group_codes))}")
    target_date = _date(data.get("target_date"), path, "target_date", problems)
    milestones = {}
    for name, value in _section(data, "milestones", MILESTONES, path, problems, "milestones to dates").items():
        milestones[name] = _date(value, path, f"milestones.{name}", problems)
    former = _section(data, "former", ("province", "district"), path, problems, "province/district to names")
    for name, value in former.items():
        if not isinstance(value, str) or not value.strip():
            problems.add(path, f"former.{name}", "must be a name, e.g. 'Thừa Thiên Huế'")
    crawl = _section(data, "crawl", CRAWL_SETTINGS, path, problems, "setting names to values")
    for name, value in crawl.items():
        if name == "USER_AGENT":
            if not isinstance(value, str):
                problems.add(path, f"crawl.{name}", f"{value!r} must be text")
        elif name in CRAWL_FLAGS:
            if not isinstance(value, bool):
                problems.add(path, f"crawl.{name}", f"{value!r} must be true or false")
        elif name in CRAWL_RANGES:
            problem = number_problem(value, *CRAWL_RANGES[name], whole=name in CRAWL_WHOLE)
            if problem:
                problems.add(path, f"crawl.{name}", problem)
    for name, group in categories.items():
        if not str(name).strip() or str(name).strip() == "(none)":
            problems.add(path, f"categories.{name}", "an empty legacy category is never matched; articles "
                         "without a category keep the group the page itself suggests, or 'other'")
    platform = _with_overrides(platforms[platform_name], data.get("overrides"), path, problems) \
        if platform_name in platforms else None
    quality = _quality(data, path, problems, profile.quality if profile else QUALITY_DEFAULTS)
    labels = _section(data, "document_labels", DOCUMENT_FIELDS, path, problems, "document fields to lists of labels")
    for name, values in labels.items():
        if not (isinstance(values, list) and all(isinstance(v, str) and v.strip() for v in values)):
            problems.add(path, f"document_labels.{name}", "must be a list of labels, e.g. ['Số kí hiệu']")
    if len(problems) > before:
        return None
    return Agency(code=code, name=data["name"], level=data["level"], platform=platform,
                  base_urls=tuple(base_urls), hosts=tuple(h.lower() for h in hosts),
                  subsite_name=target["subsite"], subsite_path=target.get("path") or target.get("host"),
                  disposition=disposition, successor=data.get("successor"), target_date=target_date,
                  categories=dict(categories), obey_robots=bool(data.get("robots", True)),
                  source_file=str(path), platform_declared="platform" in data,
                  local_test_host=bool(data.get("local_test_host", False)), crawl_settings=dict(crawl),
                  quality=quality, document_labels=dict(labels), milestones=milestones, former=dict(former))


def load_registry(root: Path | None = None) -> Registry:
    """Read and validate every mapping file; raise MappingError listing every problem."""
    root = Path(root or config.mappings_dir())
    problems = _Problems()
    problems.base = root.parent
    if not root.is_dir():
        raise MappingError([f"{root}: mappings folder not found (set PORTALIZE_MAPPINGS)"])
    portal_file = root / "portal.yml"
    portal = _read_yaml(portal_file, problems) if portal_file.exists() else {}
    _check_portal_numbers(portal or {}, portal_file, problems)
    profile_id = (portal or {}).get("regulation_profile", "decree-42-2022")
    profile_file = root / "regulation" / f"{profile_id}.yml"
    profile = None
    if profile_file.exists():
        profile = load_profile(profile_file, problems)
    else:
        valid = ", ".join(p.stem for p in sorted((root / "regulation").glob("*.yml")))
        problems.add(portal_file, "regulation_profile", f"unknown profile {profile_id!r}; valid: {valid}")
    platforms = {}
    broken: dict[str, list[str]] = {}
    for path in sorted((root / "platforms").glob("*.yml")):
        # A broken preset stops only the agencies that use it.
        own = _Problems()
        own.base = problems.base
        platform = load_platform(path, own)
        if own:
            broken[str(path)] = list(own)
            _warn_broken(path, own)
        elif platform:
            platforms[platform.name] = platform
    if problems:
        # The portal, the profile or a platform preset is wrong: every agency depends on them.
        raise MappingError(list(problems))
    agencies: dict[str, Agency] = {}
    for path in sorted((root / "agencies").glob("*.yml")):
        # One broken agency file stops only that agency; `agencies validate` still fails.
        own = _Problems()
        own.base = problems.base
        agency = load_agency(path, platforms, profile, own, broken_platforms={Path(f).stem for f in broken})
        if agency is not None and agency.code in agencies:
            own.add(path, "code", f"{agency.code!r} is already used by {agencies[agency.code].source_file}")
        if own:
            broken[str(path)] = list(own)
            _warn_broken(path, own)
            continue
        agencies[agency.code] = agency
    warnings = _Problems()
    warnings.base = problems.base
    if profile.domain_pattern:
        for agency in agencies.values():
            for host in agency.hosts:
                if not re.fullmatch(profile.domain_pattern, host):
                    warnings.add(Path(agency.source_file), "legacy.hosts",
                                 f"{host!r} does not follow the domain-name pattern of {profile.id} ({profile.domain_pattern})")
    return Registry(agencies=agencies, platforms=platforms, profile=profile, portal=(portal or {}).get("portal", {}),
                    warnings=list(warnings), broken=broken)


def _check_portal_numbers(data: dict, path: Path, problems: _Problems) -> None:
    """portal.yml's `portal:` numbers (concurrency, timeout, retries...) are numbers in range."""
    portal = data.get("portal")
    if not isinstance(portal, dict):
        return
    for key, (low, high, whole) in PORTAL_NUMBERS.items():
        if portal.get(key) is not None:
            problem = number_problem(portal[key], low, high, whole)
            if problem:
                problems.add(path, f"portal.{key}", problem)


_warned: set[tuple] = set()


def _warn_broken(path: Path, problems: list[str]) -> None:
    """Say once per process that an agency file is left out, and why."""
    key = (str(path), tuple(problems))
    if key not in _warned:
        _warned.add(key)
        log.warning("%s is left out until it is fixed (`portalize agencies validate` lists every problem): %s",
                    path.name, problems[0])
