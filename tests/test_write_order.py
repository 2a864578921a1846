"""The order apply writes a plan in: every item after the items of the plan it links to."""
from portalize.loaders.write_order import in_batches


def _pending(*uids):
    return [(n, uid, "create") for n, uid in enumerate(uids)]


def _flat(batches):
    return [[[uid for _, uid, _ in level] for level in batch] for batch in batches]


def test_items_come_after_the_items_they_link_to_level_by_level():
    pending = _pending(*[f"u{i}" for i in range(12)])
    # u0..u9 link to nothing; u10 and u11 link to u3; the levels are 10 then 2 items.
    targets = {"u10": {"u3"}, "u11": {"u3", "nowhere"}}
    batches = _flat(in_batches(pending, targets, step=4))
    assert batches == [[["u0", "u1", "u2", "u3"]], [["u4", "u5", "u6", "u7"]], [["u8", "u9"]], [["u10", "u11"]]]


def test_a_series_shares_batches_written_level_after_level_and_a_cycle_comes_last():
    pending = _pending("s0", "s1", "s2", "s3", "s4", "c1", "c2")
    targets = {"s1": {"s0"}, "s2": {"s1"}, "s3": {"s2"}, "s4": {"s3"}, "c1": {"c2"}, "c2": {"c1"}, "s0": {"s0"}}
    batches = _flat(in_batches(pending, targets, step=3))
    assert batches == [[["s0"], ["s1"], ["s2"]], [["s3"], ["s4"]], [["c1", "c2"]]]
    assert sorted(uid for batch in batches for level in batch for uid in level) == sorted(p[1] for p in pending)
