from portalize.core.registry import load_registry
from portalize.transform.markdown import to_markdown
from portalize.transform.sanitize import sanitize
from portalize.transform.taxonomy import assign_group, build_index, fold

from .test_transform import ROOT


def test_category_names_compare_without_diacritics_and_case():
    assert fold("Tin tức - Sự kiện") == fold("TIN TUC SU KIEN") == fold("tin tức – sự kiện")
    index = build_index(load_registry(ROOT / "mappings").profile.groups)
    assert assign_group("TIN TỨC - SỰ KIỆN", index) == ("news", None)
    assert assign_group("thu tuc hanh chinh", index) == ("procedures", None)
    assert assign_group("Đấu thầu", index) == ("procurement", None)
    group, warning = assign_group("Góc thư giãn", index)
    assert group == "other" and "Góc thư giãn" in warning


def test_tables_stay_readable_in_markdown():
    html = sanitize("<table><tr><th>STT</th><th>Tên thủ tục</th></tr><tr><td>1</td><td>Đăng ký khai sinh</td></tr>"
                    "</table>", "http://x.gov.vn/")
    assert to_markdown(html).splitlines() == ["| STT | Tên thủ tục |", "| --- | --- |", "| 1 | Đăng ký khai sinh |"]
