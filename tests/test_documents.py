"""Legal-document metadata from the property tables and labels of unit sites."""
from portalize.transform.documents import extract_document


def test_table_with_upper_case_labels():
    html = ("<table><tr><th>SỐ KÝ HIỆU:</th><td>123/QĐ-UBND</td></tr><tr><td>Ngày ban hành</td><td>05/3/2021</td></tr>"
            "<tr><td>Ngày có hiệu lực</td><td>ngày 15 tháng 3 năm 2021</td></tr><tr><td>Người ký</td><td>Lê Văn C</td></tr>"
            "<tr><td>Hình thức văn bản</td><td>Quyết định</td></tr><tr><td>Lĩnh vực</td><td>Giáo dục</td></tr></table>")
    info, warnings = extract_document(html)
    assert (info.number, info.issued, info.effective, info.signer, info.type, info.field) == (
        "123/QĐ-UBND", "2021-03-05", "2021-03-15", "Lê Văn C", "Quyết định", "Giáo dục")
    assert warnings == []


def test_definition_list_and_label_lines():
    html = ("<dl><dt>Cơ quan ban hành</dt><dd>Sở Y tế</dd><dt>Trích yếu</dt><dd>Về việc phòng chống dịch</dd></dl>"
            "<ul><li><b>Tình trạng hiệu lực:</b> Còn hiệu lực</li><li>Ngày hết hiệu lực: không rõ</li></ul>")
    info, warnings = extract_document(html)
    assert info.issuer == "Sở Y tế" and info.abstract == "Về việc phòng chống dịch" and info.status == "Còn hiệu lực"
    assert info.expiry is None
    assert warnings == ["document expiry date 'không rõ' not understood; left empty"]


def test_number_from_the_title_when_no_table():
    info, _ = extract_document("<p>Nội dung</p>", "Quyết định số 55/2019/QĐ-UBND về bảng giá đất")
    assert info.number == "55/2019/QĐ-UBND"
    assert extract_document("<p>Nội dung</p>", "Tin hoạt động") == (None, [])
