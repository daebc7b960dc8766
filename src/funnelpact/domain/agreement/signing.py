"""Signatures bound to the document's content: what is hashed and how a signature is written.

The content hash is sha256 over a canonical form of the *validated* agreement without its
signatures: the model dumped to JSON with sorted keys and fields left at their defaults
omitted. So comments, key order, quoting and writing a default out do not change it (and a
later funnelpact adding a defaulted field does not break old signatures), while any change of
content does.

Signing edits the text rather than re-dumping the model, so comments and layout survive: the
``signatures:`` block is replaced (or appended) and everything else is left byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, time
from decimal import Decimal

import yaml
from yaml.error import MarkedYAMLError
from yaml.nodes import MappingNode, ScalarNode

from funnelpact.domain.agreement.model import Agreement, Signature

HASH_PREFIX = "sha256:"


def _canonical_value(value: object) -> str:
    # A number has one form whatever was typed: 100000, 100000.0 and "1e5" are the same goal.
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_json(agreement: Agreement) -> str:
    """The text the content hash is computed over."""
    content = agreement.model_dump(mode="python", exclude={"signatures"}, exclude_defaults=True)
    return json.dumps(
        content,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_canonical_value,
    )


def content_hash(agreement: Agreement) -> str:
    digest = hashlib.sha256(canonical_json(agreement).encode("utf-8")).hexdigest()
    return HASH_PREFIX + digest


class SigningError(ValueError):
    """The document cannot be signed as asked (the message says why)."""


def new_signature(agreement: Agreement, name: str, role: str | None, now: datetime) -> Signature:
    """A signature of `name` over the agreement as it is now; `now` must be time-zone aware."""
    signatory = agreement.signatory(name)
    if signatory is None:
        names = ", ".join(person.name for person in agreement.metadata.signatories)
        raise SigningError(f"{name!r} is not a signatory of this agreement (signatories: {names})")
    if now.tzinfo is None:
        raise SigningError("the signing time must carry a time zone")
    return Signature(
        name=name,
        role=role or signatory.role,
        party=signatory.party,
        signed_at=now.replace(microsecond=0),
        content_hash=content_hash(agreement),
    )


def _signature_lines(signatures: tuple[Signature, ...]) -> list[str]:
    if not signatures:
        return ["signatures: []\n"]
    lines = ["signatures:\n"]
    for signature in signatures:
        fields = {
            "name": signature.name,
            "role": signature.role,
            "party": signature.party,
            "signed_at": signature.signed_at.isoformat(),
            "content_hash": signature.content_hash,
        }
        for index, (key, value) in enumerate(fields.items()):
            lines.append(f"  {'- ' if index == 0 else '  '}{key}: {_scalar(value)}\n")
    return lines


_PLAIN = re.compile(r"[^\W\d_][\w .'()/-]*[\w.)]|[^\W\d_]")
_YAML_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


def _scalar(value: str) -> str:
    """Plain when YAML reads it back as the same string (names, roles), else double-quoted.

    A JSON string is a valid YAML double-quoted scalar, so json.dumps quotes safely.
    """
    if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def _block_span(text: str) -> tuple[int, int] | None:
    """Line span [first, end) of the top-level ``signatures:`` entry, or None when absent.

    The span ends after the last line holding part of its value, so comments that follow
    (usually about the next section) stay where they are.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except MarkedYAMLError as exc:
        raise SigningError(f"the document is not valid YAML: {exc}") from exc
    if not isinstance(root, MappingNode):
        raise SigningError("the document is not a mapping of sections")
    for key_node, value_node in root.value:
        if isinstance(key_node, ScalarNode) and key_node.value == "signatures":
            last = _last_mark(value_node)
            end_line = last.line + (0 if last.column == 0 else 1)
            return key_node.start_mark.line, max(end_line, key_node.start_mark.line + 1)
    return None


def _last_mark(node: yaml.Node) -> yaml.Mark:
    """End of the deepest last child: a block collection's own end lies past trailing comments."""
    while isinstance(node, MappingNode | yaml.SequenceNode) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node.end_mark


def with_signatures(text: str, signatures: tuple[Signature, ...]) -> str:
    """The document text with its ``signatures:`` block replaced by `signatures`."""
    lines = text.splitlines(keepends=True)
    block = _signature_lines(signatures)
    span = _block_span(text)
    if span is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join([*lines, *block])
    first, end = span
    return "".join([*lines[:first], *block, *lines[end:]])


def add_signature(text: str, agreement: Agreement, signature: Signature) -> str:
    """The text with `signature` recorded, replacing an earlier signature by the same person."""
    kept = tuple(old for old in agreement.signatures if old.name != signature.name)
    return with_signatures(text, (*kept, signature))
