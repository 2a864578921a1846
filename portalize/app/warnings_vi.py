"""The transform's warnings (English, in the ledger and the CSV report) as a Vietnamese official
reads them on the plan review page. A warning no pattern knows is shown as it is."""
from __future__ import annotations

import re

_RULES = [
    (r"^no publication date found; left empty$", "Không tìm thấy ngày đăng; để trống"),
    (r"^publication date taken from the URL$", "Ngày đăng lấy từ địa chỉ (URL) của trang"),
    (r"^decomposed Unicode \(NFD\) normalised to NFC$", "Chữ tiếng Việt dạng tổ hợp (NFD) đã được chuẩn hóa về dựng sẵn (NFC)"),
    (r"^decoded from legacy encoding (.+) and normalised to NFC Unicode$",
     "Giải mã từ bảng mã cũ {0} và chuẩn hóa về Unicode dựng sẵn (NFC)"),
    (r"^repaired (.+) text to NFC Unicode$", "Đã sửa văn bản {0} về Unicode dựng sẵn (NFC)"),
    (r"^declared or read as UTF-8, but (\d+) byte sequence\(s\) are not UTF-8: re-read as Windows-1258$",
     "Trang khai báo UTF-8 nhưng có {0} chuỗi byte không hợp lệ: đã đọc lại theo Windows-1258"),
    (r"^(\d+) character\(s\) could not be decoded \(U\+FFFD\): check the page's encoding$",
     "{0} ký tự không giải mã được: cần kiểm tra bảng mã của trang"),
    (r"^document (\w+) date (.+) not understood; left empty$", "Ngày ({0}) của văn bản {1} không đọc được; để trống"),
    (r"^(\d+) pasted image\(s\) inside the body \(data: URLs\); each is loaded to the portal as an image file$",
     "{0} ảnh dán thẳng vào nội dung (data: URL); mỗi ảnh được tải lên cổng thành tệp ảnh"),
    (r"^removed hidden content \((.+?)\)(?:: (.+?))?(?:; it links to (.+?): check whether the legacy site was compromised)?$",
     "Đã gỡ nội dung ẩn ({0}){1}{2}"),
    (r"^quarantined, suspected injected SEO spam: (.+)$", "Cách ly: nghi nội dung rác SEO bị chèn ({0})"),
    (r"^(\d+) block\(s\) of the site's template \(menus, counters, notices\) removed from the body$",
     "Đã gỡ {0} khối giao diện của trang cũ (menu, bộ đếm, thông báo) khỏi nội dung"),
    (r"^no legacy category found; assigned to group 'other'$", "Không có chuyên mục cũ; xếp vào nhóm “Khác”"),
    (r"^legacy category (.+) is not mapped to a content group; assigned to 'other'$",
     "Chuyên mục cũ {0} chưa được gán nhóm nội dung; xếp vào nhóm “Khác”"),
    (r"^generic page title (.+) replaced by the document's type, number and abstract$",
     "Tiêu đề chung chung {0} được thay bằng loại, số hiệu và trích yếu văn bản"),
    (r"^the (\w+) mapping and the page's metadata found no (.+); automatic extraction used$",
     "Cấu hình {0} và siêu dữ liệu của trang không tìm thấy {1}; đã dùng trích xuất tự động"),
    (r"^date (.+) from automatic extraction (.+); not used$", "Ngày {0} do trích xuất tự động ({1}); không dùng"),
    (r"^(\w+) (.+) from (\w+) (.+); not used$", "Trường {0} = {1} lấy từ {2} ({3}); không dùng"),
]
_COMPILED = [(re.compile(pattern), text) for pattern, text in _RULES]
_FIELDS = {"title": "tiêu đề", "body": "nội dung", "title or body": "tiêu đề hoặc nội dung", "issued": "ban hành",
           "effective": "hiệu lực", "expiry": "hết hiệu lực"}


def in_vietnamese(warning: str) -> str:
    for pattern, text in _COMPILED:
        found = pattern.match(warning)
        if not found:
            continue
        parts = [p or "" for p in found.groups()]
        if text.startswith("Đã gỡ nội dung ẩn"):
            what, links = parts[0], parts[2] if len(parts) > 2 else ""
            return ("Đã gỡ nội dung ẩn (" + what + ")" + (f": {parts[1]}" if parts[1] else "")
                    + (f"; có liên kết tới {links}: cần kiểm tra trang cũ có bị xâm nhập không" if links else ""))
        return text.format(*[_FIELDS.get(p, p) for p in parts])
    return warning
