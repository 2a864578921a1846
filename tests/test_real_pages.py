"""The real-page development set (tests/fixtures/real/, provenance in each pages.json): saved
pages of Vietnamese government and news sites no one here wrote, with hand-written truth, run
through `portalize extract FILE --url URL` with no agency. Prints the per-platform table beside
trafilatura's; the floors are the shares measured when they were pinned (see docs/MEASUREMENTS.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from real_pages import format_table, ours, real_pages, score, share, trafilatura_baseline  # noqa: E402

pytestmark = pytest.mark.quality

# Measured when pinned (37 pages, 9 sites): title 24/30, date 18/30, author 28/30, kind 34/37,
# body 26/30, document number 9/10, type 9/10, issuer 8/10, issue date 9/10. The goal is
# 0.95 on each; the misses are listed in docs/MEASUREMENTS.md.
# The target: 0.95 on every field. Measured on the 64 pages (docs/MEASUREMENTS.md): title
# 48/50, date 49/50, author 48/50, kind 61/64, body 48/50, each document field 12/12.
FLOORS = {"title": 0.95, "date": 0.95, "author": 0.95, "kind": 0.95, "body": 0.95,
          "document.number": 0.95, "document.type": 0.95, "document.issuer": 0.95, "document.issued": 0.95}


@pytest.fixture(scope="module")
def scores():
    return score(ours)


def test_every_page_has_provenance_and_truth():
    pages = list(real_pages())
    assert len(pages) >= 64 and len({site for site, *_ in pages}) >= 14
    for site, platform, truth, raw in pages:
        provenance = truth["provenance"]
        assert provenance["repository"].count("/") == 1 and len(provenance["commit"]) == 40, (site, truth["file"])
        assert provenance["path"] and truth["url"].startswith(("http://", "https://")) and raw
        assert truth["kind"] in ("article", "page", "document", "media", "list")


def test_real_pages_score_at_or_above_their_floors(scores):
    print("\n" + format_table(scores, "portalize") + "\n" + format_table(score(trafilatura_baseline), "trafilatura"))
    low = {name: round(share(scores, name), 3) for name, floor in FLOORS.items() if share(scores, name) < floor}
    assert not low, (low, [m for m in scores["misses"] if m[2] in low])
