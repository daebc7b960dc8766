"""Salesforce record ids: 15-character (case-sensitive, report screens) and 18-character (the API).

The last three characters of an 18-character id encode which of the first fifteen are upper
case, five at a time, so every id is normalised to its 18-character form before joining; an
18-character id whose case was lost (a spreadsheet, a case-insensitive tool) is restored from
its suffix.
"""

from __future__ import annotations

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

QUEUE_PREFIX = "00G"  # a queue owns the record: nobody does yet
USER_PREFIX = "005"


def checksum(id15: str) -> str:
    """The three-character suffix of a 15-character id."""
    suffix = []
    for start in (0, 5, 10):
        bits = 0
        for position, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix.append(_ALPHABET[bits])
    return "".join(suffix)


def _restore_case(head: str, suffix: str) -> str:
    """The 15 characters with the case the suffix records; ValueError if they cannot have it."""
    restored = []
    for chunk, code in zip((head[0:5], head[5:10], head[10:15]), suffix, strict=True):
        bits = _ALPHABET.index(code)
        for position, char in enumerate(chunk):
            upper = bool(bits & (1 << position))
            if upper and not char.isalpha():
                raise ValueError(head + suffix)
            restored.append(char.upper() if upper else char.lower())
    return "".join(restored)


def normalise_id(text: str) -> str:
    """The 18-character form of a 15- or 18-character Salesforce id; ValueError if not an id."""
    value = text.strip()
    if not (len(value) in (15, 18) and set(value) <= _ALNUM):
        raise ValueError(text)
    if len(value) == 15:
        return value + checksum(value)
    head, suffix = value[:15], value[15:].upper()
    if checksum(head) == suffix:
        return head + suffix
    if suffix.strip(_ALPHABET):
        raise ValueError(text)
    return _restore_case(head, suffix) + suffix


def looks_like_id(text: str) -> bool:
    value = text.strip()
    return len(value) in (15, 18) and set(value) <= _ALNUM and any(c.isdigit() for c in value)
