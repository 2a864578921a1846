"""Repairing Vietnamese text from legacy encodings into NFC Unicode.

Pre-2003 government pages were typed in TCVN3 (ABC, `.VnTime` fonts), VNI-Windows
(`VNI-Times`) or Windows-1258 (base letter + combining tone mark). Browsers and crawlers read
their bytes as cp1252, so they reach us as text like `T«i ®i häc` (TCVN3) or `Toâi ñi hoïc`
(VNI). UTF-8 read as cp1252 gives mojibake like `Tiáº¿ng Viá»‡t`. Unicode typed on a Mac may be
decomposed (NFD).

`repair_text` tries each reading and keeps the one that reads most like Vietnamese. Text with
no sign of a legacy encoding is returned unchanged. The tables (transform/data/) are built from
../shared/data/vn-encodings by scripts/build_encoding_tables.py."""
from __future__ import annotations

import codecs
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ftfy

from .fragments import inner_html, parse_fragment

TABLES = Path(__file__).parent / "data" / "vn_legacy_tables.json"

# Letters of Vietnamese that ASCII does not have (NFC), lower and upper case.
_VI_LOWER = ("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")
VIETNAMESE_LETTERS = frozenset(_VI_LOWER + _VI_LOWER.upper())
# Characters that a legacy reading leaves behind and real Vietnamese text almost never has.
_LEGACY_MARKS = frozenset("«®µ¸¶·¹¨»¾½Æ©ÇËÐÎÏÑªÖ×ØÜÞßäåæçëîïñö÷øûüþ¡¢§£¤¥¦¬\xad"
                          "ÄÅÈËÎÏÑÒÖ×ØÛÜÞ¯°±²³¼¿€ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")
_MOJIBAKE = re.compile(r"[ÃÄÆáâå][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")


@dataclass(frozen=True)
class Repair:
    text: str
    encoding: str | None  # None when nothing was changed

    @property
    def warning(self) -> str | None:
        names = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows", "cp1258": "Windows-1258",
                 "utf8-as-cp1252": "UTF-8 mojibake (read as cp1252)", "nfd": "decomposed Unicode (NFD)"}
        return f"repaired {names[self.encoding]} text to NFC Unicode" if self.encoding else None


@lru_cache(maxsize=1)
def _tables() -> dict:
    data = json.loads(TABLES.read_text(encoding="utf-8"))
    out = {}
    for name in ("tcvn3", "vni"):
        table = data[name]
        keys = sorted(table, key=len, reverse=True)
        out[name] = (table, re.compile("|".join(re.escape(k) for k in keys)))
    return out


def _convert(text: str, name: str) -> str:
    table, pattern = _tables()[name]
    return pattern.sub(lambda m: table[m.group(0)], text)


def cp1252_text(data: bytes) -> str:
    """Bytes as a browser shows them under cp1252 (undefined bytes kept as latin-1)."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def _latin1_fallback(error: UnicodeEncodeError):
    """cp1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D); a browser shows them
    as the latin-1 characters, so those characters go back to their byte."""
    bad = error.object[error.start:error.end]
    if all(ord(ch) < 256 for ch in bad):
        return bad.encode("latin-1"), error.end
    raise error


codecs.register_error("portalize-latin1", _latin1_fallback)


def _to_cp1252_bytes(text: str) -> bytes | None:
    """The bytes a cp1252 reading of legacy text came from, or None when a character cannot
    have come from such a reading."""
    try:
        return text.encode("cp1252", errors="portalize-latin1")
    except UnicodeEncodeError:
        return None


def decode_legacy(data: bytes, encoding: str) -> str:
    """Decode bytes known to be in a legacy Vietnamese encoding (tcvn3, vni, cp1258)."""
    if encoding == "cp1258":
        return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    return unicodedata.normalize("NFC", _convert(cp1252_text(data), encoding))


_VI_LETTER = re.compile("[" + "".join(sorted(VIETNAMESE_LETTERS)) + "]")
_BAD_CHAR = re.compile("[" + re.escape("".join(sorted(_LEGACY_MARKS))) + "\u0300-\u036f\ufffd]")
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
_NUCLEI = ("a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi ua uâ uê ui uô uơ uy "
           "ưa ưi ươ ưu yê iêu yêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu uơi").split()
_SYLLABLE = re.compile(
    rf"^{_ONSET}(?:(?:{'|'.join(sorted(_NUCLEI, key=len, reverse=True))})(?:c|m|n|ng|p|t)?"
    r"|(?:a|ê|i|uy|oa|uê)(?:ch|nh))$")


@lru_cache(maxsize=65536)
def _syllable_ok(word: str) -> bool:
    """Is `word` a well-formed Vietnamese syllable (one tone mark at most)?"""
    nfd = unicodedata.normalize("NFD", word.lower())
    if sum(ch in _TONES for ch in nfd) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in nfd if ch not in _TONES))
    return bool(_SYLLABLE.match(bare))


def score(text: str) -> int:
    """Higher reads more like Vietnamese: well-formed syllables and Vietnamese letters count
    for it; malformed syllables and legacy leftovers count against it."""
    good = len(_VI_LETTER.findall(text))
    bad = len(_BAD_CHAR.findall(text))
    words = _non_ascii_words(text)
    valid = sum(_syllable_ok(w) for w in words)
    return good + 3 * valid - 5 * (len(words) - valid) - 4 * bad


def _non_ascii_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]


def _convincing(text: str) -> bool:
    """Enough well-formed Vietnamese syllables to trust a re-reading (not a stray name)."""
    words = _non_ascii_words(text)
    valid = sum(_syllable_ok(w) for w in words)
    all_words = len(re.findall(r"[^\W\d_]+", text))
    return valid >= 2 and valid >= 0.7 * len(words) and valid >= 0.2 * all_words


def _candidates(text: str):
    raw = _to_cp1252_bytes(text)
    if raw is None:
        # A character beyond cp1252 cannot come from reading legacy bytes as cp1252.
        return
    yield "tcvn3", _convert(text, "tcvn3")
    yield "vni", _convert(text, "vni")
    try:
        yield "cp1258", raw.decode("cp1258")
    except UnicodeDecodeError:
        pass
    if _MOJIBAKE.search(text):
        yield "utf8-as-cp1252", ftfy.fix_encoding(text)


_MARK_CHARS = re.compile("[" + re.escape("".join(sorted(_LEGACY_MARKS - set("«»")))) + "]|\\w[«»]|[«»]\\w")
_COMBINING = re.compile("[\u0300-\u036f]")


def _suspicious(text: str) -> bool:
    """Any sign of a legacy reading: a leftover mark (a lone « or » between spaces is only a
    quotation mark), a combining mark, or a malformed Vietnamese syllable."""
    if _MARK_CHARS.search(text) or _COMBINING.search(text):
        return True
    return any(not _syllable_ok(w) for w in _non_ascii_words(text))


def repair_text(text: str) -> Repair:
    """The best Vietnamese reading of `text`, NFC. Unchanged when nothing is wrong with it."""
    if not text or text.isascii():
        return Repair(text, None)
    nfc = unicodedata.normalize("NFC", text)
    if not _suspicious(nfc):
        return Repair(nfc, "nfd" if nfc != text else None)
    best_name, best_text, best_score = None, nfc, score(nfc)
    for name, candidate in _candidates(nfc):
        candidate = unicodedata.normalize("NFC", candidate)
        value = score(candidate)
        if value > best_score and _convincing(candidate):
            best_name, best_text, best_score = name, candidate, value
    if best_name is None:
        return Repair(nfc, "nfd" if nfc != text else None)
    return Repair(best_text, best_name)


def vietnamese_hint(text: str) -> str | None:
    """The legacy encoding (tcvn3, vni, cp1258, utf8-as-cp1252) that turns some of `text` (a
    cp1252 reading of bytes) into well-formed Vietnamese syllables, better than it reads as it
    is (half of its words at least), even when too little of it does to repair it; None when
    none does."""
    nfc = unicodedata.normalize("NFC", text or "")
    if not nfc or nfc.isascii() or not _suspicious(nfc):
        return None
    best_name, best_score = None, score(nfc)
    for name, candidate in _candidates(nfc):
        candidate = unicodedata.normalize("NFC", candidate)
        value = score(candidate)
        words = _non_ascii_words(candidate)
        valid = sum(_syllable_ok(w) for w in words)
        if value > best_score and valid >= 2 and valid >= 0.5 * len(words):
            best_name, best_score = name, value
    return best_name


def apply_encoding(text: str | None, encoding: str | None) -> str | None:
    """Re-read `text` as `encoding` (one of Repair.encoding) and return NFC Unicode."""
    if not text or encoding is None:
        return text
    if encoding in ("tcvn3", "vni"):
        text = _convert(text, encoding)
    elif encoding == "cp1258":
        raw = _to_cp1252_bytes(text)
        if raw is not None:
            text = raw.decode("cp1258", errors="replace")
    elif encoding == "utf8-as-cp1252":
        text = ftfy.fix_encoding(text)
    return unicodedata.normalize("NFC", text)


def apply_encoding_html(html: str, encoding: str | None) -> str:
    """apply_encoding on every text node and alt/title attribute of an HTML fragment."""
    if not html or encoding is None:
        return html
    root = parse_fragment(html)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        element.text = apply_encoding(element.text, encoding)
        element.tail = apply_encoding(element.tail, encoding) if element is not root else element.tail
        for attribute in ("alt", "title"):
            if element.get(attribute):
                element.set(attribute, apply_encoding(element.get(attribute), encoding))
    return inner_html(root)
