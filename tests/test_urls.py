import pytest

from portalize.transform.urls import canonical_url


@pytest.mark.parametrize("url, expected", [
    ("http://Sothu.Tinh.gov.vn/web/guest/tin;jsessionid=ABC123?b=2&a=1#top", "http://sothu.tinh.gov.vn/web/guest/tin?a=1&b=2"),
    ("http://x.gov.vn/index.php?nv=news&PHPSESSID=9f8e", "http://x.gov.vn/index.php?nv=news"),
    ("http://x.gov.vn/(S(abc123xyz))/Default.aspx?tabid=5", "http://x.gov.vn/Default.aspx?tabid=5"),
    ("http://x.gov.vn/faces/home?_afrLoop=123&_adf.ctrl-state=x_4&id=7", "http://x.gov.vn/faces/home?id=7"),
    ("http://x.gov.vn/-/a?redirect=%2Fweb&p_p_id=101", "http://x.gov.vn/-/a"),
    ("http://x.gov.vn/wps/portal/so/tin/!ut/p/z1/04_Sj9CPykssy0xPLMnM/dz/d5/L2dBISEvZ0FBIS9nQSEh/",
     "http://x.gov.vn/wps/portal/so/tin"),
])
def test_one_url_per_document(url, expected):
    assert canonical_url(url, ["redirect", "p_p_id"]) == expected
