"""API timestamps, read the same way on every Python the pack supports (3.8 and later).

``datetime.fromisoformat`` is no help here: before 3.11 it rejects ``Z``, ``+0000`` and
fractions of other than 3 or 6 digits, all of which the APIs send. One regular expression
reads them all instead.
"""

import datetime
import re

_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$")


def parse_datetime(text):
    """An aware UTC ``datetime`` of an ISO-8601 timestamp, or None.

    Accepts ``2021-10-14T17:46:10Z``, ``2019-03-19 07:22:59`` (no zone: UTC), offsets
    (``+02:00``, ``+0200``, ``+02``), fractions of any length (beyond microseconds they are
    cut) and plain dates (midnight UTC).
    """
    if not isinstance(text, str):
        return None
    match = _TIME.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        when = datetime.datetime(int(year), int(month), int(day), int(hour or 0),
                                 int(minute or 0), int(second or 0), micro,
                                 tzinfo=datetime.timezone.utc)
        if zone and zone not in ("Z", "z"):
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            when -= sign * offset
    except (ValueError, OverflowError):
        return None
    return when


def parse_time(text):
    """Epoch seconds of an API timestamp (see ``parse_datetime``), or None."""
    when = parse_datetime(text)
    return None if when is None else when.timestamp()


def iso_utc(epoch):
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def utc_date(epoch):
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).date()
