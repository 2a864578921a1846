"""Reading mapping files safely: YAML's safe loader, plus
- a key written twice in one mapping is an error (YAML would keep the last silently);
- aliases may not expand past MAX_NODES nodes, so a 600-byte "billion laughs" file is refused
  before anything walks it;
- lists and mappings may not nest deeper than MAX_DEPTH levels: PyYAML builds nodes by
  recursion, and a file nested 500 levels deep would end in a RecursionError, not a message.
"""
from __future__ import annotations

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, SequenceNode

MAX_NODES = 100_000
MAX_DEPTH = 64


class MappingFileLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"lists and mappings nest deeper than {MAX_DEPTH} levels",
                                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

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


def _measure(node, known: dict, open_: set) -> tuple[int, int]:
    """(nodes, depth) of the document under `node` once every alias is expanded, each capped one
    past its limit (memoised per node). An alias inside the very node it names (`&a [*a]`)
    would expand forever: refused."""
    if id(node) in known:
        return known[id(node)]
    if id(node) in open_:
        raise yaml.YAMLError("an alias refers to the list or mapping that holds it; write the values out instead")
    open_.add(id(node))
    if isinstance(node, SequenceNode):
        children = node.value
    elif isinstance(node, MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        children = ()
    size, depth = 1, 1
    for child in children:
        child_size, child_depth = _measure(child, known, open_)
        size, depth = size + child_size, max(depth, child_depth + 1)
        if size > MAX_NODES or depth > MAX_DEPTH:
            break
    open_.discard(id(node))
    known[id(node)] = (min(size, MAX_NODES + 1), min(depth, MAX_DEPTH + 1))
    return known[id(node)]


def load(text: str):
    loader = MappingFileLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size, depth = _measure(node, {}, set())
        if size > MAX_NODES:
            raise yaml.YAMLError(f"aliases expand past {MAX_NODES:,} nodes; write the values out instead")
        if depth > MAX_DEPTH:
            raise yaml.YAMLError(f"aliases nest lists and mappings deeper than {MAX_DEPTH} levels; "
                                 "write the values out instead")
        return loader.construct_document(node)
    finally:
        loader.dispose()
