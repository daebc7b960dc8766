"""Helpers of the schedule tests: the captured mail and what is in it."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path


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


@dataclass
class HookServer:
    port: int = 0
    posts: list[tuple[str, dict[str, object]]] = field(default_factory=list)


def self_signed(folder: Path) -> tuple[str, str]:
    """A certificate and key for 127.0.0.1 (the Teams stand-in speaks HTTPS, as Teams does)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)
