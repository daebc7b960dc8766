"""Helpers of the schedule tests: the captured mail and what is in it."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message


@dataclass
class MailServer:
    port: int
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    def parsed(self) -> list[Message]:
        return [email.message_from_bytes(content) for _, _, content in self.messages]

    def recipients(self) -> list[str]:
        return sorted(address for _, to, _ in self.messages for address in to)


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def attachments_of(message: Message) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in message.walk():
        name = part.get_filename()
        if name:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[str(make_header(decode_header(name)))] = payload
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def mail_url(port: int) -> str:
    return f"mailto://127.0.0.1:{port}?from=reports@funnelpact.example&mode=insecure"
