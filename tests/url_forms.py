"""Spellings of a URL that reaches an internal server while looking like it stays on the unit's
site: the forms parser differentials are made of (backslashes, `@`, tabs, newlines, CR,
percent-encoded delimiters, IDNA and fullwidth dots, upper case, IPv6, decimal, octal and hex
IPv4, short IPv4). Shared by the crawl fuzz test and the parser property test."""
from __future__ import annotations


def spellings(address: str) -> list[str]:
    """Ways to write an IPv4 loopback address as a URL host."""
    a, b, c, d = (int(x) for x in address.split("."))
    number = (a << 24) | (b << 16) | (c << 8) | d
    forms = [address, str(number), hex(number), hex(number).upper().replace("0X", "0x"),
             f"0x{a:x}.{b}.{c}.{d}", f"0X{a:X}.0x{b:x}.{c}.{d}", f"0{a:o}.{b}.{c}.{d}", f"0{a:o}.0.0.0{d:o}",
             f"{a}.{(b << 16) | (c << 8) | d}", f"{a}.{b}.{(c << 8) | d}",
             address.replace(".", "\u3002"), address.replace(".", "\uff0e"), address.replace(".", "\uff61"),
             "".join(f"%{ord(ch):02X}" for ch in address), f"%31{address[1:]}",
             f"[::ffff:{address}]", f"[::ffff:{(a << 8) | b:x}:{(c << 8) | d:x}]", f"[0:0:0:0:0:ffff:{address}]",
             f"{address}.", f"{address}\t", f"\n{address}"]
    if address == "127.0.0.1":
        forms += ["localhost", "LOCALHOST", "localhost.", "sub.localhost", "127.1", "0x7f.1", "[::1]"]
    if (a, b, c) == (127, 0, 0):
        forms += [f"127.{d}"]
    return forms


# {S}: the internal host as spelled, {P}: its port, {U}: the unit's host (and port), {Q}: the path.
TEMPLATES = [
    "http://{S}:{P}{Q}",
    "http://{S}:{P}\\@{U}{Q}",
    "http://{S}:{P}\\\\@{U}{Q}",
    "http://{S}:{P}/@{U}{Q}",
    "http://{U}@{S}:{P}{Q}",
    "http://{U}:80@{S}:{P}{Q}",
    "http://user:pass@{S}:{P}{Q}",
    "http:\\\\{S}:{P}{Q}",
    "http:/\\{S}:{P}{Q}",
    "http:\\/{S}:{P}{Q}",
    "//{S}:{P}{Q}",
    "\\\\{S}:{P}{Q}",
    "/\\{S}:{P}{Q}",
    "http:{S}:{P}{Q}",
    "http:///{S}:{P}{Q}",
    "http://{S}:{P}%2f@{U}{Q}",
    "http://{S}:{P}%2F%2E%2E@{U}{Q}",
    "http://{U}%40{S}:{P}{Q}",
    "http://{S}%3a{P}{Q}",
    "http://{S}%3A{P}@{U}{Q}",
    "http://{S}:{P}%5c@{U}{Q}",
    "http://{S}:{P}%5C%40{U}{Q}",
    "ht\ttp://{S}:{P}{Q}",
    "http://{S}:{P}\t\\@{U}{Q}",
    "http://{S}:{P}\n@{U}{Q}",
    "http://{S}:{P}\r\n@{U}{Q}",
    "http://{U}\t@{S}:{P}{Q}",
    "http://{S}:\t{P}{Q}",
    "h\ntt\rp://{S}:{P}{Q}",
    " \t http://{S}:{P}{Q}",
    "HTTP://{S}:{P}{Q}",
    "HtTp://{S}:{P}{Q}",
    "http://{S}:{P}#@{U}{Q}",
    "http://{S}:{P}?@{U}{Q}",
    "http://{S}:{P};@{U}{Q}",
    "http://{S}:0{P}{Q}",
    "http://{S}:00{P}{Q}",
    "http://{S}:{P}:80{Q}",
    "http://{U}:{P}{Q}",
    "http://{U}\\@{S}:{P}{Q}",
    "http://{S}:{P}\\.{U}{Q}",
    "http://{S}:{P}&@{U}{Q}",
    "http://{S}:{P} @{U}{Q}",
    "http://{S}\u3002:{P}{Q}",
    "https://{S}:{P}{Q}",
    "http://[{S}]:{P}{Q}",
    "http://{S}:{P}\u2044@{U}{Q}",
    "http://{S}:{P}\uff03@{U}{Q}",
]


def url_forms(internal: list[tuple[str, int]], unit: str, path: str = "/bi-mat") -> list[str]:
    """Every template with every spelling of every internal (address, port), deduplicated."""
    forms = dict.fromkeys(template.format(S=host, P=port, U=unit, Q=path)
                          for address, port in internal for host in spellings(address) for template in TEMPLATES)
    return list(forms)
