"""A `rest` portal mapping is read like every other mapping file (issue 21: no traceback for
any input): a file nested past the limit, an alias inside what it names and a key written
twice are each one message naming the file, never a RecursionError or a silent last value."""
from __future__ import annotations

from pathlib import Path

import pytest

from portalize.core.errors import MappingError
from portalize.loaders.rest.adapter import load_mapping

SHIPPED = Path(__file__).resolve().parent.parent / "mappings" / "portals" / "wordpress-rest.yml"


def _problems(path: Path) -> str:
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    return str(caught.value)


def test_the_shipped_mapping_with_its_aliases_still_loads():
    mapping = load_mapping(SHIPPED)
    assert mapping["items"]["update"]["json"] == mapping["items"]["create"]["json"]  # `*post`


def test_a_mapping_nested_500_levels_deep_is_a_message(tmp_path):
    path = tmp_path / "deep.yml"
    path.write_text("items: " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    assert "deep.yml" in _problems(path) and "nest deeper than" in _problems(path)


def test_an_alias_inside_what_it_names_is_a_message(tmp_path):
    path = tmp_path / "loop.yml"
    path.write_text("items: &a [*a]\n", encoding="utf-8")
    assert "loop.yml" in _problems(path)


def test_a_key_written_twice_is_a_message(tmp_path):
    path = tmp_path / "twice.yml"
    path.write_text(SHIPPED.read_text(encoding="utf-8") + "\nname: again\n", encoding="utf-8")
    assert "twice" in _problems(path) and "'name' twice" in _problems(path)
