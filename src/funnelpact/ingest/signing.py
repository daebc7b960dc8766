"""Signed webhooks from any sender (Zapier, Make, Segment-like tools, your own scripts).

The sender signs each request with the secret funnelpact gave its source, Stripe-style::

    X-Funnelpact-Signature: t=1735689600,v1=5257a869e7ec...d8bd   (64 hex digits)

``v1`` is the lowercase hex HMAC-SHA256, keyed by the secret, of ``t + "." + raw body``; ``t`` is
the Unix time of signing in seconds. A request older than the replay window (5 minutes) or
signed in the future beyond a small clock skew is refused, so a captured request cannot be
replayed later. Several ``v1`` entries are allowed (a sender rotating secrets signs with both).

Pure: no clock reads (``now`` is passed in) and no I/O; docs/webhooks.md shows how to sign.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from funnelpact.errors import FunnelpactError

SIGNATURE_HEADER = "X-Funnelpact-Signature"
SCHEME = "v1"
REPLAY_WINDOW = timedelta(minutes=5)
# Clocks drift: a timestamp slightly ahead of ours is a sender's clock, not an attack.
CLOCK_SKEW = timedelta(seconds=60)
MAX_HEADER_LENGTH = 2_000
LONGEST_AGE_S = 10.0**10  # ~300 years: far beyond any window, far below timedelta's limit


class SignatureProblem(StrEnum):
    """Why a signed request was refused (logged; the message says it to the sender)."""

    MISSING = "missing"
    MALFORMED = "malformed"
    STALE = "stale"
    FUTURE = "future"
    MISMATCH = "mismatch"
    NO_SECRET = "no-secret"


class SignatureError(FunnelpactError):
    """A webhook request that is not signed, signed wrongly, or too old: answered 401."""

    status_code = 401

    def __init__(self, problem: SignatureProblem, message: str) -> None:
        self.problem = problem
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class SignatureHeader:
    timestamp: int
    signatures: tuple[str, ...]


def signed_payload(timestamp: int, body: bytes) -> bytes:
    """What the HMAC covers: the timestamp, a dot, then the raw body bytes."""
    return str(timestamp).encode("ascii") + b"." + body


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` value: hex HMAC-SHA256 of ``t.body`` keyed by the source's secret."""
    key = secret.encode("utf-8")
    return hmac.new(key, signed_payload(timestamp, body), hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value a sender puts in ``X-Funnelpact-Signature``."""
    return f"t={timestamp},{SCHEME}={compute_signature(secret, timestamp, body)}"


def parse_header(value: str | None) -> SignatureHeader:
    """``t=<unix>,v1=<hex>[,v1=<hex>...]``; unknown schemes are ignored (forward compatible)."""
    if value is None or not value.strip():
        raise SignatureError(
            SignatureProblem.MISSING, f"the request is not signed: no {SIGNATURE_HEADER} header"
        )
    if len(value) > MAX_HEADER_LENGTH:
        raise SignatureError(SignatureProblem.MALFORMED, f"{SIGNATURE_HEADER} is too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            raise SignatureError(
                SignatureProblem.MALFORMED,
                f"{SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex>; got {part!r}",
            )
        if key == "t":
            if not item.isdigit():
                raise SignatureError(
                    SignatureProblem.MALFORMED,
                    f"{SIGNATURE_HEADER}: t must be Unix seconds (digits); got {item!r}",
                )
            timestamp = int(item)
        elif key == SCHEME:
            signatures.append(item.lower())
    if timestamp is None:
        raise SignatureError(SignatureProblem.MALFORMED, f"{SIGNATURE_HEADER} has no t=<unix>")
    if not signatures:
        raise SignatureError(
            SignatureProblem.MALFORMED, f"{SIGNATURE_HEADER} has no {SCHEME}=<hex> signature"
        )
    return SignatureHeader(timestamp, tuple(signatures))


def age_of(seconds: float) -> timedelta:
    """A signature's age, clamped so that an absurd timestamp is stale, never an overflow."""
    return timedelta(seconds=max(-LONGEST_AGE_S, min(LONGEST_AGE_S, seconds)))


def check_freshness(age: timedelta) -> None:
    """Refuse a request signed before the replay window or too far in the future.

    ``age`` is now minus the signing time (negative: signed in the future).
    """
    if age > REPLAY_WINDOW:
        raise SignatureError(
            SignatureProblem.STALE,
            f"the request was signed {int(age.total_seconds())} s ago; requests older than "
            f"{int(REPLAY_WINDOW.total_seconds())} s are refused (replay protection)",
        )
    if -age > CLOCK_SKEW:
        raise SignatureError(
            SignatureProblem.FUTURE,
            f"the request is signed {int(-age.total_seconds())} s in the future; check the "
            "sender's clock",
        )


def verify(header: str | None, body: bytes, secrets: Sequence[str], now: datetime) -> int:
    """Check a request's signature against the source's secret(s); returns the signing time.

    Raises ``SignatureError`` (401) when the header is missing or malformed, the request is
    stale, or no signature matches. Comparisons are constant-time.
    """
    if not secrets:
        raise SignatureError(SignatureProblem.NO_SECRET, "no secret is configured for this source")
    parsed = parse_header(header)
    check_freshness(age_of(now.timestamp() - parsed.timestamp))
    expected = [compute_signature(secret, parsed.timestamp, body) for secret in secrets]
    matched = False
    for given in parsed.signatures:
        for candidate in expected:
            # Every pair is compared (no early exit): timing says nothing about which matched.
            matched |= hmac.compare_digest(given.encode("ascii", "replace"), candidate.encode())
    if not matched:
        raise SignatureError(
            SignatureProblem.MISMATCH,
            "the signature does not match: sign t + '.' + the raw body with the source's secret "
            "(HMAC-SHA256, hex)",
        )
    return parsed.timestamp
