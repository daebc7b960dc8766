"""Dates as exports write them, read fast and turned into UTC instants.

ISO 8601 ("2024-03-05 14:22:10", "2024-03-05T14:22:10.000Z", "2024-03-05") is always understood
and takes a fast path in C (``datetime.fromisoformat``). Day/month/year and month/day/year values
("05/03/2024 14:22", "3/5/2024, 2:22 PM") are split by hand, far faster than ``strptime``; which
of the two orders a file uses is given (``--date-format``) or detected from values whose day is
above 12, and a file where no value tells is refused rather than guessed.

Values without a time zone are local times of the export's zone (``--timezone``, UTC when not
given): the UTC offset is cached per hour, checked to hold for the whole hour, so DST changes
are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

_NOT_CACHED = timedelta(days=99)
_from_iso = datetime.fromisoformat
_RECENT = 4_096  # a sentinel no real UTC offset equals


# Rows read to decide that a file writes ISO 8601 only (non-ISO values are read to the end of
# the file until one tells the day/month order).
ISO_SAMPLE_ROWS = 2_000


class DateOrder(StrEnum):
    DAY_FIRST = "day-first"  # 31/12/2024: Spain, Italy, most of Europe
    MONTH_FIRST = "month-first"  # 12/31/2024: the United States


# Explicit formats with a fast path: the date part decides the order, the time part is optional
# (date-only columns such as Salesforce's CloseDate share a file with date-time columns).
_FAST_DATES: dict[str, DateOrder] = {
    "%d/%m/%Y": DateOrder.DAY_FIRST,
    "%d/%m/%y": DateOrder.DAY_FIRST,
    "%d.%m.%Y": DateOrder.DAY_FIRST,
    "%d-%m-%Y": DateOrder.DAY_FIRST,
    "%m/%d/%Y": DateOrder.MONTH_FIRST,
    "%m/%d/%y": DateOrder.MONTH_FIRST,
    "%m-%d-%Y": DateOrder.MONTH_FIRST,
}
_FAST_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", ", %I:%M %p", ", %H:%M")
_ISO_FORMATS = frozenset(
    {
        "%Y-%m-%d",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S.%fZ",
        "iso",
        "ISO",
    }
)


@dataclass(frozen=True, slots=True)
class DateStyle:
    """How a file writes its dates that are not ISO 8601."""

    order: DateOrder | None  # None: the file holds ISO 8601 values only
    strptime_format: str = ""  # an explicit format with no fast path
    explicit: str = ""  # the --date-format the user gave, quoted in messages

    @classmethod
    def from_format(cls, text: str) -> DateStyle:
        """The style of an explicit ``--date-format`` (a strptime format)."""
        if text in _ISO_FORMATS:
            return cls(None, explicit=text)
        for date_part, order in _FAST_DATES.items():
            for time_part in _FAST_TIMES:
                if text == date_part + time_part:
                    return cls(order, explicit=text)
        return cls(None, strptime_format=text, explicit=text)

    def expected(self) -> str:
        """What a value should look like, for messages."""
        if self.explicit:
            return f"the format {self.explicit}"
        if self.order is DateOrder.DAY_FIRST:
            return "day/month/year such as 31/12/2024 23:59 (detected; --date-format sets it)"
        if self.order is DateOrder.MONTH_FIRST:
            return "month/day/year such as 12/31/2024 23:59 (detected; --date-format sets it)"
        return "an ISO 8601 date such as 2024-12-31 or 2024-12-31 23:59:59"

    def describe(self) -> str:
        if self.explicit:
            return self.explicit
        return {
            DateOrder.DAY_FIRST: "day/month/year",
            DateOrder.MONTH_FIRST: "month/day/year",
            None: "ISO 8601",
        }[self.order]


class DateParser:
    """Turns the date values of one file into aware UTC datetimes; raises ValueError if not."""

    __slots__ = ("_day_first", "_offsets", "_recent", "_utc", "naive_seen", "style", "zone")

    def __init__(self, style: DateStyle, zone: tzinfo) -> None:
        self.style = style
        self.zone = zone
        self._utc = zone is UTC
        self._day_first = style.order is DateOrder.DAY_FIRST
        self._offsets: dict[object, timedelta | None] = {}
        self._recent: dict[str, datetime] = {}
        self.naive_seen = False  # a value without a zone was read (the caller may warn)

    def parse(self, value: str) -> datetime:
        # A row often repeats a value (created = became a lead = first conversion): remember
        # recent values; the cache is dropped when full, so memory stays flat on any file.
        found = self._recent.get(value)
        if found is not None:
            return found
        found = self._parse(value)
        if len(self._recent) >= _RECENT:
            self._recent.clear()
        self._recent[value] = found
        return found

    def _parse(self, value: str) -> datetime:
        try:
            if value[4:5] != "-":
                return self._other(value)
            # ISO 8601, inline: this runs for every date of a million-row export.
            if value[-1] == "Z":
                return _from_iso(value)  # Python 3.11 reads Z as UTC
            if len(value) > 16 and (value[-6] in "+-" or value[-5] in "+-"):
                return _from_iso(value).astimezone(UTC)
            self.naive_seen = True
            local = value if len(value) != 10 else value + "T00:00"  # a date: its midnight
            if self._utc:
                return _from_iso(local + "+00:00")
            offset = self._offsets.get(local[:13], _NOT_CACHED)
            if offset is _NOT_CACHED:
                offset = self._offset_of_hour(local[:13], _from_iso(local))
            if offset is None:
                return _from_iso(local).replace(tzinfo=self.zone).astimezone(UTC)
            return _from_iso(local + "+00:00") - offset
        except (ValueError, IndexError, OverflowError):
            stripped = value.strip()
            if stripped and stripped != value:
                return self._parse(stripped)
            raise ValueError(value) from None

    def _other(self, value: str) -> datetime:
        if self.style.strptime_format:
            return self._strptime(value)
        if self.style.order is None:
            raise ValueError(value)
        date_part, _, time_part = value.partition(" ")
        date_part = date_part.rstrip(",")
        parts = date_part.split("/")
        if len(parts) != 3:
            parts = date_part.split(".") if "." in date_part else date_part.split("-")
            if len(parts) != 3:
                raise ValueError(value)
        first, second, year_text = parts
        if self._day_first:
            day, month = int(first), int(second)
        else:
            month, day = int(first), int(second)
        year = int(year_text)
        if len(year_text) == 2:
            year += 2000
        elif len(year_text) != 4:
            raise ValueError(value)
        hour = minute = second_ = 0
        if time_part:
            hour, minute, second_ = _clock(time_part)
        self.naive_seen = True
        if self._utc:
            return datetime(year, month, day, hour, minute, second_, tzinfo=UTC)
        key = (year, month, day, hour)
        offset = self._offsets.get(key, _NOT_CACHED)
        if offset is _NOT_CACHED:
            offset = self._offset_of_hour(key, datetime(year, month, day, hour))  # noqa: DTZ001
        if offset is None:
            naive = datetime(year, month, day, hour, minute, second_)  # noqa: DTZ001 - local
            return naive.replace(tzinfo=self.zone).astimezone(UTC)
        return datetime(year, month, day, hour, minute, second_, tzinfo=UTC) - offset

    def _strptime(self, value: str) -> datetime:
        fmt = self.style.strptime_format
        try:
            naive = datetime.strptime(value, fmt)  # noqa: DTZ007 - the zone is applied below
        except ValueError:
            date_only = fmt.split(" ")[0]  # a date-only column in a date-time file
            if date_only == fmt:
                raise
            naive = datetime.strptime(value, date_only)  # noqa: DTZ007
        self.naive_seen = naive.tzinfo is None
        if naive.tzinfo is not None:
            return naive.astimezone(UTC)
        return naive.replace(tzinfo=self.zone).astimezone(UTC)

    def _offset_of_hour(self, key: object, naive_hour: datetime) -> timedelta | None:
        """The zone's UTC offset for a whole local hour, or None when it changes within it."""
        start = naive_hour.replace(minute=0, second=0, microsecond=0, tzinfo=self.zone)
        end = start.replace(minute=59, second=59)
        offset = start.utcoffset()
        result = offset if offset is not None and offset == end.utcoffset() else None
        self._offsets[key] = result
        return result


def _clock(text: str) -> tuple[int, int, int]:
    """Hour, minute, second of "14:22", "14:22:10", "2:22 PM" or "2:22 p. m."."""
    clock = text.strip()
    meridiem = ""
    lowered = clock.lower()
    if lowered.endswith("m"):
        compact = lowered.replace(".", "").replace(" ", "")
        if compact.endswith(("am", "pm")):
            meridiem = compact[-2:]
            clock = compact[:-2]
    pieces = clock.split(":")
    if not 2 <= len(pieces) <= 3:
        raise ValueError(text)
    hour, minute = int(pieces[0]), int(pieces[1])
    second = int(pieces[2].split(".")[0]) if len(pieces) == 3 else 0
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    return hour, minute, second


@dataclass(frozen=True, slots=True)
class AmbiguousDates:
    """Non-ISO values exist but none has a day above 12: the order cannot be told."""

    column: int
    example: str
    rows: tuple[int, ...]

    def suggestion(self) -> str:
        _, _, time_part = self.example.partition(" ")
        clock = ""
        if time_part:
            has_meridiem = time_part.strip().lower().endswith("m")
            seconds = time_part.count(":") >= 2
            clock = " %I:%M" if has_meridiem else " %H:%M"
            clock += ":%S" if seconds else ""
            clock += " %p" if has_meridiem else ""
        sep = "/" if "/" in self.example else ("." if "." in self.example.split(" ")[0] else "-")
        year = "%Y" if len(self.example.split(" ")[0].split(sep)[-1].rstrip(",")) == 4 else "%y"
        day_first = f"%d{sep}%m{sep}{year}{clock}"
        month_first = f"%m{sep}%d{sep}{year}{clock}"
        return f'--date-format "{day_first}" or --date-format "{month_first}"'


def detect_order(
    rows: Iterable[tuple[int, int, list[str]]], columns: Sequence[int]
) -> DateOrder | list[AmbiguousDates] | None:
    """The day/month order of a file's non-ISO dates, read from values whose day is above 12.

    Returns the order, None when every value is ISO 8601 (or empty), or the ambiguous columns
    (with an example and the first rows) when non-ISO values exist and none tells the order.
    Stops at the first value that tells.
    """
    samples: dict[int, tuple[str, list[int]]] = {}
    for row, _line, cells in rows:
        if row > ISO_SAMPLE_ROWS and not samples:
            return None  # only ISO 8601 so far: a later non-ISO value is a bad date, reported
        for column in columns:
            if column >= len(cells):
                continue
            value = cells[column]
            if not value or (len(value) >= 10 and value[4] == "-"):
                continue
            date_part = value.strip().partition(" ")[0].rstrip(",")
            for sep in ("/", ".", "-"):
                parts = date_part.split(sep)
                if len(parts) == 3:
                    break
            else:
                continue
            if not (parts[0].isdigit() and parts[1].isdigit()):
                continue
            first, second = int(parts[0]), int(parts[1])
            if first > 12 >= second:
                return DateOrder.DAY_FIRST
            if second > 12 >= first:
                return DateOrder.MONTH_FIRST
            _, seen = samples.setdefault(column, (value, []))
            if len(seen) < 4 and (not seen or seen[-1] != row):
                seen.append(row)
    if not samples:
        return None
    return [
        AmbiguousDates(column, example, tuple(seen))
        for column, (example, seen) in sorted(samples.items())
    ]
