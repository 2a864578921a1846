"""The order apply writes a plan in: each item after the items of the same plan that it links
to, so its links are resolved in one write (Kahn's topological order, level by level), cut
into batches. Pure."""
from __future__ import annotations

from .base import REFERENCE


def link_targets(entries) -> dict[str, set[str]]:
    """uid -> the items a planned create links to (from its planned links; an entry with stored
    fields counts as linking to none: a link it has to an item written later is written again)."""
    out = {}
    for e in entries:
        refs = ((e.links or {}).get("pages") or {}).values()
        out[e.uid] = {m.group(2) for ref in refs if ref for m in [REFERENCE.fullmatch(ref)] if m and m.group(1) == "item"}
    return out


def in_batches(pending, targets: dict[str, set[str]], step: int):
    """The pending entries in batches of about `step`, each a list of levels: an item is written
    after the items of this plan it links to (Kahn's order, level by level), so its links are
    resolved when it is written. Levels of a few items (a series, each linking to the one
    before) share a batch, written level after level; items in a cycle come last, in plan order,
    and their links to each other are resolved by a second write."""
    position = {uid: n for n, (_, uid, _) in enumerate(pending)}
    waits = {uid: (targets.get(uid, set()) & position.keys()) - {uid} for uid in position}
    followers: dict[str, list[str]] = {}
    for uid, needs in waits.items():
        for target in needs:
            followers.setdefault(target, []).append(uid)
    left = {uid: len(needs) for uid, needs in waits.items()}
    level, placed, by_uid = [uid for uid in position if not left[uid]], set(), {p[1]: p for p in pending}
    small: list[list[str]] = []  # levels of a few items (a series linking one to the next), in one batch
    while level:
        if len(level) < max(2, step // 4):
            small.append(level)
            if sum(map(len, small)) >= step:
                yield [[by_uid[uid] for uid in lv] for lv in small]
                small = []
        else:
            if small:
                yield [[by_uid[uid] for uid in lv] for lv in small]
                small = []
            for start in range(0, len(level), step):
                yield [[by_uid[uid] for uid in level[start:start + step]]]
        placed.update(level)
        after = [f for uid in level for f in followers.get(uid, ()) if not _one_less(left, f)]
        level = sorted(set(after), key=position.get)
    if small:
        yield [[by_uid[uid] for uid in lv] for lv in small]
    rest = [p for p in pending if p[1] not in placed]
    for start in range(0, len(rest), step):
        yield [rest[start:start + step]]


def _one_less(left: dict, uid: str) -> int:
    """Count one more of an item's targets as placed; how many are left."""
    left[uid] -= 1
    return left[uid]
