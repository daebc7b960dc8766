"""The generic webhook signature: Stripe-like t=<unix>,v1=<hex> over t + "." + body."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnelpact.ingest.signing import (
    SignatureError,
    SignatureProblem,
    compute_signature,
    parse_header,
    sign,
    verify,
)

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
T = int(NOW.timestamp())
SECRET = "whsec_test_0123456789"
BODY = b'{"items": [{"kind": "stage_change", "id": "e1"}]}'


def test_the_signature_is_hex_hmac_sha256_of_t_dot_body() -> None:
    # Computed independently of the module: what a sender's 5-line script does.
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert compute_signature(SECRET, T, BODY) == expected
    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_a_fresh_correct_signature_is_accepted_and_returns_its_time() -> None:
    assert verify(sign(SECRET, BODY, T), BODY, [SECRET], NOW) == T
    four_minutes_ago = T - 240
    assert verify(sign(SECRET, BODY, four_minutes_ago), BODY, [SECRET], NOW) == four_minutes_ago


def test_rotation_any_of_several_secrets_or_signatures_matches() -> None:
    header = sign("old-secret", BODY, T) + "," + sign(SECRET, BODY, T).split(",")[1]
    assert verify(header, BODY, [SECRET], NOW) == T
    assert verify(sign("old-secret", BODY, T), BODY, ["new", "old-secret"], NOW) == T


@pytest.mark.parametrize(
    ("header", "problem", "message"),
    [
        (None, SignatureProblem.MISSING, "no X-Funnelpact-Signature header"),
        ("   ", SignatureProblem.MISSING, "no X-Funnelpact-Signature header"),
        ("garbage", SignatureProblem.MALFORMED, "must look like t=<unix seconds>,v1=<hex>"),
        ("t=abc,v1=00", SignatureProblem.MALFORMED, "t must be Unix seconds (digits); got 'abc'"),
        ("v1=00", SignatureProblem.MALFORMED, "has no t=<unix>"),
        (f"t={T}", SignatureProblem.MALFORMED, "has no v1=<hex> signature"),
        (f"t={T},v0=00", SignatureProblem.MALFORMED, "has no v1=<hex> signature"),
        ("t=1," + "v1=0" * 1000, SignatureProblem.MALFORMED, "is too long"),
    ],
)
def test_malformed_headers_are_refused_with_a_clear_reason(
    header: str | None, problem: SignatureProblem, message: str
) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(header, BODY, [SECRET], NOW)
    assert caught.value.problem is problem
    assert message in caught.value.message
    assert caught.value.status_code == 401


def test_stale_future_and_absurd_timestamps_are_refused() -> None:
    with pytest.raises(SignatureError) as stale:
        verify(sign(SECRET, BODY, T - 301), BODY, [SECRET], NOW)
    assert stale.value.problem is SignatureProblem.STALE
    assert stale.value.message == (
        "the request was signed 301 s ago; requests older than 300 s are refused "
        "(replay protection)"
    )
    with pytest.raises(SignatureError) as future:
        verify(sign(SECRET, BODY, T + 120), BODY, [SECRET], NOW)
    assert future.value.problem is SignatureProblem.FUTURE
    assert "signed 120 s in the future" in future.value.message
    # 30 s ahead is clock skew, accepted.
    assert verify(sign(SECRET, BODY, T + 30), BODY, [SECRET], NOW) == T + 30
    with pytest.raises(SignatureError) as absurd:
        verify(sign(SECRET, BODY, 10**30), BODY, [SECRET], NOW)
    assert absurd.value.problem is SignatureProblem.FUTURE


def test_a_wrong_secret_a_changed_body_or_no_secret_is_refused() -> None:
    with pytest.raises(SignatureError) as wrong:
        verify(sign("not-the-secret", BODY, T), BODY, [SECRET], NOW)
    assert wrong.value.problem is SignatureProblem.MISMATCH
    with pytest.raises(SignatureError) as changed:
        verify(sign(SECRET, BODY, T), BODY + b" ", [SECRET], NOW)
    assert changed.value.problem is SignatureProblem.MISMATCH
    with pytest.raises(SignatureError) as none:
        verify(sign(SECRET, BODY, T), BODY, [], NOW)
    assert none.value.problem is SignatureProblem.NO_SECRET


def test_the_timestamp_is_covered_by_the_signature() -> None:
    signature = compute_signature(SECRET, T, BODY)
    with pytest.raises(SignatureError) as caught:
        verify(f"t={T - 10},v1={signature}", BODY, [SECRET], NOW)
    assert caught.value.problem is SignatureProblem.MISMATCH


def test_parse_header_ignores_unknown_schemes_and_spaces() -> None:
    parsed = parse_header(f"t={T}, v1=ABCDEF, v2=zzz ,v1=0123")
    assert parsed.timestamp == T
    assert parsed.signatures == ("abcdef", "0123")


@given(
    body=st.binary(max_size=2_000),
    secret=st.text(min_size=1, max_size=40),
    age=st.integers(-60, 300),
)
def test_any_body_signed_within_the_window_verifies_and_any_flipped_byte_does_not(
    body: bytes, secret: str, age: int
) -> None:
    header = sign(secret, body, T - age)
    assert verify(header, body, [secret], NOW) == T - age
    if body:
        flipped = bytes([body[0] ^ 1]) + body[1:]
        with pytest.raises(SignatureError):
            verify(header, flipped, [secret], NOW)


def test_now_may_be_in_any_zone() -> None:
    madrid_now = NOW.astimezone(ZoneInfo("Europe/Madrid"))
    assert verify(sign(SECRET, BODY, T - 5), BODY, [SECRET], madrid_now) == T - 5
