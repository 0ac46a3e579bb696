"""Reading loosely typed API values: the APIs send numbers as strings, objects where arrays
are declared and keys in drifting case, so every reader goes through these few functions."""

import math


def as_list(value):
    """A list whatever the API sent: None -> [], an object -> [object]."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def as_number(value):
    """A JSON number from a number or a numeric string (``"1,234.50"`` included)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in text else number


def number_or_none(value):
    """A finite JSON number, or None: for trigger payloads whose schema says ``number``.

    ``as_number`` keeps what it cannot parse (an action shows the value as sent); a payload
    field typed number must never carry ``"N/A"`` or ``true``, or st2 drops the trigger.
    """
    number = as_number(value)
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        return None
    if isinstance(number, float) and not math.isfinite(number):
        return None
    return number


def as_int(value):
    number = as_number(value)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def pick(mapping, *names):
    """The first present key among ``names``, matched case-insensitively."""
    if not isinstance(mapping, dict):
        return None
    for name in names:
        if name in mapping:
            return mapping[name]
    lowered = {str(k).lower(): v for k, v in mapping.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def text_or_none(value):
    """Payload fields declared as strings: st2 drops a payload holding a number there."""
    return None if value is None else str(value)
