"""Build transform/data/vn_legacy_tables.json from the shared Vietnamese encoding tables.

    python scripts/build_encoding_tables.py [../shared/data/vn-encodings]

Source: duydev/vietnamese-conversion (MIT), mapping_unicode_vni_tcvn3_viqr.csv: for each
Vietnamese letter, its TCVN3 (ABC) and VNI-Windows bytes. The JSON keeps the text form those
bytes take when read as cp1252, which is how legacy pages reach us."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "transform" / "data" / "vn_legacy_tables.json"


# The source table gives ỹ/Ỹ the bytes of ì/Ì (0xEC/0xCC), which would make VNI decoding
# ambiguous. VNI-Windows writes them as y/Y + the tilde mark (0xF5/0xD5), like every other
# toned y; these two rows are corrected here.
VNI_CORRECTIONS = {"ỹ": "79 f5", "Ỹ": "59 d5"}


def as_cp1252_text(hex_bytes: str) -> str:
    raw = bytes.fromhex(hex_bytes.replace(" ", ""))
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in raw)


def main(source: Path) -> None:
    table = source / "duydev-vietnamese-conversion" / "mapping_unicode_vni_tcvn3_viqr.csv"
    tcvn3, vni = {}, {}
    with table.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            tcvn3[as_cp1252_text(row["tcvn3_bytes_hex"])] = row["unicode"]
            vni[as_cp1252_text(VNI_CORRECTIONS.get(row["unicode"], row["vni_bytes_hex"]))] = row["unicode"]
    data = {"source": "duydev/vietnamese-conversion@ad55b356 (MIT), mapping_unicode_vni_tcvn3_viqr.csv",
            "note": "keys are the legacy bytes as cp1252 text; values are NFC Unicode letters",
            "tcvn3": dict(sorted(tcvn3.items())), "vni": dict(sorted(vni.items()))}
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(tcvn3)} TCVN3 and {len(vni)} VNI sequences")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "vn-encodings")
