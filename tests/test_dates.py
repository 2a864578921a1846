"""Every date format DOMAIN.md lists, day-first, in Asia/Ho_Chi_Minh."""
import pytest

from portalize.transform.dates import date_from_url, parse_date


@pytest.mark.parametrize("text, expected", [
    ("Thứ sáu, 18/11/2022 15:17 (GMT+7)", "2022-11-18T15:17:00+07:00"),
    ("14/07/2021 - 20:45", "2021-07-14T20:45:00+07:00"),
    ("21:10, 04/06/2025", "2025-06-04T21:10:00+07:00"),
    ("05/03/2024 08:30:00 SA", "2024-03-05T08:30:00+07:00"),
    ("22/09/2023 02:15:00 CH", "2023-09-22T14:15:00+07:00"),
    ("12/01/2023 12:05:00 SA", "2023-01-12T00:05:00+07:00"),
    ("12/01/2023 12:05:00 CH", "2023-01-12T12:05:00+07:00"),
    ("THỨ HAI, NGÀY 27/3/2023", "2023-03-27T00:00:00+07:00"),
    ("ngày 23 tháng 11 năm 2009", "2009-11-23T00:00:00+07:00"),
    ("Ngày 5 tháng 1 năm 2024 (nhằm 24/11 ÂL)", "2024-01-05T00:00:00+07:00"),
    ("Thứ hai, 6/1/2025 9:05 (GMT+7)", "2025-01-06T09:05:00+07:00"),
    ("Cập nhật: 01.02.2020 07h30", "2020-02-01T07:30:00+07:00"),
    ("2023-03-27T10:00:00+07:00", "2023-03-27T10:00:00+07:00"),
    ("2023-03-27T03:00:00Z", "2023-03-27T03:00:00+00:00"),
])
def test_vietnamese_formats(text, expected):
    assert parse_date(text).isoformat() == expected


@pytest.mark.parametrize("text", ["", None, "Tin mới nhất", "31/02/2023", "45/13/2020"])
def test_unsure_dates_give_none(text):
    assert parse_date(text) is None


def test_impossible_time_keeps_only_the_date():
    assert parse_date("99:99, 01/01/2020").isoformat() == "2020-01-01T00:00:00+07:00"


def test_url_dates():
    assert date_from_url("http://x.gov.vn/portal/pages/2019-12-20/quyet-dinh.aspx").date().isoformat() == "2019-12-20"
    assert date_from_url("http://x.gov.vn/tin/123.html") is None
