"""Sanitised HTML -> Markdown that stays inert under every common renderer: CommonMark ones
(markdown-it, mistune) and Python-Markdown, which passes raw HTML through and checks no link.

- `<`, `>` and `&` in text are written as entities (`&lt;script&gt;` stays text: a backslash
  escape, `\\<script>`, is text only in CommonMark); `\\`, `` ` ``, `[` and `]` are backslash-
  escaped, so legacy text such as `[x](javascript:alert(1))` is never a link.
- Links and pictures keep only safe_url's schemes (http(s), mailto, tel; a pasted raster
  picture's data: URL); their addresses are percent-encoded where Markdown would read a
  delimiter; titles and alt texts are escaped like text.
- Inline code is one line in a long-enough backtick run; a preformatted block is written as
  escaped text, line by line (a fenced block is not a block for Python-Markdown, and what a
  blank line or a `#` line cut out of it would be read as Markdown)."""
from __future__ import annotations

import re

from markdownify import MarkdownConverter, chomp

from .safe_urls import safe_url

_TEXT = str.maketrans({"\\": "\\\\", "`": "\\`", "[": "\\[", "]": "\\]",
                       "&": "&amp;", "<": "&lt;", ">": "&gt;"})
_TITLE = str.maketrans({"\\": "\\\\", "`": "&#96;", "[": "&#91;", "]": "&#93;", '"': "&quot;",
                        "&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Characters a Markdown reader could take as the end of a link's address, or markup.
_DESTINATION = re.compile(r"[\x00-\x20\x7f<>()\[\]\"'`\\]")


def markdown_destination(url: str) -> str:
    """A URL as a Markdown link's address: the characters a reader could take for a delimiter
    percent-encoded (the same URL to a server)."""
    return _DESTINATION.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode("utf-8")), url)


from .soup import html_soup

class _Converter(MarkdownConverter):

    def escape(self, text, parent_tags):
        return super().escape(text.translate(_TEXT), parent_tags) if text else ""

    def _title(self, el) -> str:
        title = " ".join((el.get("title") or "").split())
        return f' "{title.translate(_TITLE)}"' if title else ""

    def convert_a(self, el, text, parent_tags):
        if "_noformat" in parent_tags:
            return text
        prefix, suffix, text = chomp(text)
        if not text:
            return ""
        href = safe_url(el.get("href"))
        if not href:
            return prefix + text + suffix  # no link with another scheme: its text only
        destination = markdown_destination(href)
        title = self._title(el)
        if not title and text.replace(r"\_", "_") == destination and destination == href:
            return f"{prefix}<{destination}>{suffix}"  # an address shown as itself
        return f"{prefix}[{text}]({destination}{title}){suffix}"

    def convert_img(self, el, text, parent_tags):
        alt = self.escape(" ".join((el.get("alt") or "").split()), parent_tags)
        src = safe_url(el.get("src"), image=True)
        if not src or ("_inline" in parent_tags and el.parent.name not in self.options["keep_inline_images_in"]):
            return alt
        return f"![{alt}]({markdown_destination(src)}{self._title(el)})"

    def convert_code(self, el, text, parent_tags):
        # One line: a code span cut by a blank line would leave its text to be read as Markdown.
        return super().convert_code(el, " ".join(text.split()), parent_tags)

    def convert_pre(self, el, text, parent_tags):
        lines = [self.escape(" ".join(line.split()), parent_tags) for line in el.get_text().splitlines()]
        body = "\n".join(lines).strip("\n")
        return f"\n\n{body}\n\n" if body else ""


# One converter for every page (building one per call costs more than many conversions).
_CONVERTER = _Converter(heading_style="ATX", bullets="-", strip=["span"])


def to_markdown(html: str) -> str:
    text = _CONVERTER.convert_soup(html_soup(html))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
