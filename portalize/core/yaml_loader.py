"""Reading mapping files safely: YAML's safe loader, plus
- a key written twice in one mapping is an error (YAML would keep the last silently);
- aliases may not expand past MAX_NODES nodes, so a 600-byte "billion laughs" file is refused
  before anything walks it.
"""
from __future__ import annotations

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, SequenceNode

MAX_NODES = 100_000


class MappingFileLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ConstructorError("while reading a mapping", node.start_mark,
                                       f"found the key {key!r} twice (first on line {seen[key] + 1})",
                                       key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def _expanded_size(node, sizes: dict) -> int:
    """How many nodes the document has once every alias is expanded (memoised per node)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, SequenceNode):
        size += sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    sizes[id(node)] = min(size, MAX_NODES + 1)
    return sizes[id(node)]


def load(text: str):
    loader = MappingFileLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_NODES:
            raise yaml.YAMLError(f"aliases expand past {MAX_NODES:,} nodes; write the values out instead")
        return loader.construct_document(node)
    finally:
        loader.dispose()
