"""Request templates of a `rest` portal mapping: strings are Jinja templates; a string that is
exactly one `{{ expression }}` keeps the expression's own type (a list, a number, None), so a
JSON body can carry `categories: "{{ [category|int] }}"`. Pure."""
from __future__ import annotations

import re
from functools import lru_cache

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

_WHOLE = re.compile(r"^\{\{(.*)\}\}$", re.S)


def _last_segment(path: str) -> str:
    return [p for p in str(path).strip("/").split("/") if p][-1].lower()


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    # Sandboxed: a province's mapping file is data; it never reaches Python's internals.
    env = ImmutableSandboxedEnvironment(autoescape=False, undefined=jinja2.StrictUndefined)
    env.filters["last_segment"] = _last_segment
    return env


@lru_cache(maxsize=2048)
def _compiled(text: str):
    whole = _WHOLE.match(text)
    if whole and "{{" not in whole.group(1) and "}}" not in whole.group(1):
        return "expr", environment().compile_expression(whole.group(1).strip(), undefined_to_none=False)
    return "text", environment().from_string(text)


def render(template, values: dict):
    """A template (str, list or dict of them) rendered with `values`."""
    if isinstance(template, str):
        kind, compiled = _compiled(template)
        return compiled(**values) if kind == "expr" else compiled.render(**values)
    if isinstance(template, list):
        return [render(t, values) for t in template]
    if isinstance(template, dict):
        return {k: render(v, values) for k, v in template.items()}
    return template


def dig(data, path: str | None):
    """A value by dotted path (`content.raw`, `items.0.id`); None when absent."""
    if path is None:
        return None
    for part in path.split("."):
        if isinstance(data, list) and part.isdigit():
            data = data[int(part)] if int(part) < len(data) else None
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data
