"""Dates: the fast paths agree with the standard library in every zone, DST included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelpact.ingest.dates import DateOrder, DateParser, DateStyle, detect_order

# Lord Howe moves its clocks by 30 minutes, Kathmandu is UTC+5:45: hour caches must cope.
ZONES = ["UTC", "Europe/Madrid", "Europe/Rome", "America/New_York", "Australia/Lord_Howe",
         "Asia/Kathmandu", "America/Sao_Paulo"]  # fmt: skip

local_times = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31))


def expected(naive: datetime, zone_name: str) -> datetime:
    """The standard library's answer: the wall-clock time in the zone (fold=0), in UTC."""
    return naive.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


@settings(max_examples=400)
@given(local_times, st.sampled_from(ZONES))
def test_iso_local_times_match_zoneinfo(naive: datetime, zone_name: str) -> None:
    naive = naive.replace(microsecond=0)
    parser = DateParser(DateStyle(None), ZoneInfo(zone_name))

    assert parser.parse(naive.strftime("%Y-%m-%d %H:%M:%S")) == expected(naive, zone_name)
    assert parser.parse(naive.strftime("%Y-%m-%dT%H:%M")) == expected(
        naive.replace(second=0), zone_name
    )


@settings(max_examples=300)
@given(local_times, st.sampled_from(ZONES), st.sampled_from(list(DateOrder)))
def test_day_month_and_month_day_values_match_zoneinfo(
    naive: datetime, zone_name: str, order: DateOrder
) -> None:
    naive = naive.replace(second=0, microsecond=0)
    parser = DateParser(DateStyle(order), ZoneInfo(zone_name))
    date_part = "%d/%m/%Y" if order is DateOrder.DAY_FIRST else "%m/%d/%Y"

    assert parser.parse(naive.strftime(f"{date_part} %H:%M")) == expected(naive, zone_name)
    # Salesforce's US reports: "3/7/2024, 4:58 PM".
    twelve_hour = naive.strftime(f"{date_part}, %I:%M %p")
    assert parser.parse(twelve_hour) == expected(naive, zone_name)


@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2040, 1, 1),
        timezones=st.sampled_from([UTC, ZoneInfo("Europe/Madrid")]),
    )
)
def test_values_with_an_offset_keep_their_instant(moment: datetime) -> None:
    parser = DateParser(DateStyle(None), ZoneInfo("Asia/Tokyo"))  # the zone does not apply
    text = moment.isoformat()

    assert parser.parse(text) == moment.astimezone(UTC)


def test_salesforce_data_loader_instants_and_date_only_values() -> None:
    parser = DateParser(DateStyle(None), ZoneInfo("Europe/Rome"))

    assert parser.parse("2024-03-04T08:15:00.000Z") == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)
    assert parser.parse("2024-03-04T08:15:00.000+0000") == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)
    # A date without a time is the start of that day in the export's zone.
    assert parser.parse("2024-07-01") == datetime(2024, 6, 30, 22, 0, tzinfo=UTC)


def test_the_dst_gap_and_overlap_follow_zoneinfo() -> None:
    parser = DateParser(DateStyle(DateOrder.DAY_FIRST), ZoneInfo("Europe/Madrid"))

    # 02:30 on 31 March 2024 does not exist in Madrid; 02:30 on 27 October happens twice.
    assert parser.parse("31/03/2024 02:30") == expected(
        datetime(2024, 3, 31, 2, 30), "Europe/Madrid"
    )
    assert parser.parse("27/10/2024 02:30") == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert parser.parse("27/10/2024 03:30") - parser.parse("27/10/2024 01:30") == timedelta(hours=3)


@pytest.mark.parametrize(
    "value",
    ["2024-02-30 10:00", "2024-13-01", "31/02/2024 10:00", "12/31/2024", "1/2/24567",
     "yesterday", "2024-03-05 25:00", "05/03/2024 13:00 PM", ""],
)  # fmt: skip
def test_values_that_are_not_dates_raise(value: str) -> None:
    parser = DateParser(DateStyle(DateOrder.DAY_FIRST), UTC)

    with pytest.raises(ValueError):
        parser.parse(value)


def test_an_explicit_strptime_format_without_a_fast_path() -> None:
    style = DateStyle.from_format("%d.%m.%Y %Hh%M")
    parser = DateParser(style, ZoneInfo("Europe/Rome"))

    assert style.strptime_format == "%d.%m.%Y %Hh%M"
    assert parser.parse("05.03.2024 14h22") == datetime(2024, 3, 5, 13, 22, tzinfo=UTC)
    assert parser.parse("05.03.2024") == datetime(2024, 3, 4, 23, 0, tzinfo=UTC)
    assert parser.parse("2024-03-05 14:22") == datetime(2024, 3, 5, 13, 22, tzinfo=UTC)


def test_known_formats_take_the_fast_path() -> None:
    assert DateStyle.from_format("%d/%m/%Y %H:%M") == DateStyle(
        DateOrder.DAY_FIRST, explicit="%d/%m/%Y %H:%M"
    )
    assert DateStyle.from_format("%m/%d/%Y %I:%M %p").order is DateOrder.MONTH_FIRST
    assert DateStyle.from_format("%Y-%m-%d %H:%M:%S").order is None


def rows(*values: str) -> list[tuple[int, int, list[str]]]:
    return [(number, number + 1, [value]) for number, value in enumerate(values, start=1)]


def test_the_order_is_told_by_a_value_above_twelve() -> None:
    assert detect_order(rows("03/04/2024", "25/04/2024"), [0]) is DateOrder.DAY_FIRST
    assert detect_order(rows("03/04/2024", "04/25/2024 10:00"), [0]) is DateOrder.MONTH_FIRST
    assert detect_order(rows("2024-03-04 10:00", ""), [0]) is None


def test_an_order_no_value_tells_is_ambiguous_with_its_rows() -> None:
    found = detect_order(rows("03/04/2024 10:00", "2024-05-01", "05/06/2024 11:00"), [0])

    assert isinstance(found, list)
    [ambiguous] = found
    assert (ambiguous.column, ambiguous.example, ambiguous.rows) == (0, "03/04/2024 10:00", (1, 3))
    assert ambiguous.suggestion() == (
        '--date-format "%d/%m/%Y %H:%M" or --date-format "%m/%d/%Y %H:%M"'
    )
