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


def test_labels_of_a_national_database_page_and_a_nukeviet_laws_page():
    """`Số kí hiệu` (with i), `Ngày bắt đầu hiệu lực`, a four-column row, and one label over
    three cells; an agency adds its own label as data."""
    from portalize.transform.documents import extract_document, label_index
    html = """<html><body><table>
      <tr><td>Số kí hiệu</td><td>12/2024/QĐ-UBND</td></tr>
      <tr><td>Ngày ban hành</td><td>12/08/2024</td><td>Ngày bắt đầu hiệu lực</td><td>22/08/2024</td></tr>
      <tr><td>Cơ quan ban hành/ Chức danh / Người ký</td><td>UBND tỉnh</td><td>Chủ tịch</td><td>Nguyễn Văn An</td></tr>
      <tr><td>Phân loại văn bản</td><td>Quyết định</td></tr>
    </table></body></html>"""
    info, warnings = extract_document(html)
    assert (info.number, info.issued, info.effective, info.issuer, info.signer) == \
        ("12/2024/QĐ-UBND", "2024-08-12", "2024-08-22", "UBND tỉnh", "Nguyễn Văn An")
    assert info.type is None and not warnings
    info, _ = extract_document(html, labels=label_index({"type": ["Phân loại văn bản"]}))
    assert info.type == "Quyết định"


def test_a_document_page_with_a_generic_title_and_no_date():
    """The national database's pages: the <title> names the page type, not the document; the
    only date is the issue date."""
    from portalize.transform.pipeline import Mapping, RawPage, transform_page
    html = """<html><head><title>Chi tiết văn bản</title></head><body><h1>Chi tiết văn bản</h1><div class="c">
      <table><tr><td>Số kí hiệu</td><td>12/2024/QĐ-UBND</td></tr>
      <tr><td>Loại văn bản</td><td>Quyết định</td></tr>
      <tr><td>Ngày ban hành</td><td>12/08/2024</td><td>Ngày bắt đầu hiệu lực</td><td>22/08/2024</td></tr>
      <tr><td>Trích yếu</td><td>Về việc ban hành bảng giá đất giai đoạn 2025-2029</td></tr></table>
      <p>Quyết định ban hành bảng giá đất áp dụng trên địa bàn tỉnh từ ngày 01/01/2025 đến hết năm 2029.</p>
    </div></body></html>"""
    mapping = Mapping(agency="x", platform="generic", version="1", fields={"title": ["h1::text"], "body": [".c"]},
                      hints={"item": ["*"]})
    article = transform_page(RawPage("http://x.gov.vn/van-ban/12.html", 200, html.encode(), "text/html; charset=utf-8"),
                             mapping)
    assert article.kind == "document"
    assert article.title == "Quyết định 12/2024/QĐ-UBND Về việc ban hành bảng giá đất giai đoạn 2025-2029"
    assert article.published_at == "2024-08-12T00:00:00+07:00" and article.field_sources["date"] == "document:issued"


def test_english_labels_and_a_court_precedent():
    english = ("<table><tr><td>Legislation code</td><td>08/2015/TT-BTTTT</td></tr>"
               "<tr><td>Issuing date</td><td>25/03/2015</td></tr><tr><td>Agencies issued</td><td>Bộ Thông tin và Truyền thông</td></tr>"
               "<tr><td>Legislation type</td><td>Thông tư</td></tr><tr><td>Subject</td><td>Ban hành Quy chuẩn</td></tr></table>")
    info, _ = extract_document(english)
    assert (info.number, info.type, info.issuer, info.issued, info.abstract) == (
        "08/2015/TT-BTTTT", "Thông tư", "Bộ Thông tin và Truyền thông", "2015-03-25", "Ban hành Quy chuẩn")
    precedent = ("<table><tr><th>Số án lệ</th><td><a>63/2023/AL</a></td></tr>"
                 "<tr><th>Ngày thông qua</th><td>01/02/2023</td></tr></table>")
    info, _ = extract_document(precedent)
    assert (info.number, info.type, info.issuer, info.issued) == ("63/2023/AL", "Án lệ", "Tòa án nhân dân tối cao", "2023-02-01")
