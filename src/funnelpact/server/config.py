"""Where the store is: ``FUNNELPACT_DATABASE_URL`` parsed into Django's ``DATABASES`` entry.

No Django import here, so the CLI can report a bad URL before Django starts.

URLs (the dj-database-url convention, without the dependency):
- ``sqlite:///relative/store.db`` (three slashes: relative to the working directory),
  ``sqlite:////absolute/store.db`` (four slashes), ``sqlite:///:memory:``;
- ``postgresql://user:password@host:port/dbname?sslmode=require`` (also ``postgres://``).
Unset: a SQLite file under the user's data directory (``$XDG_DATA_HOME/funnelpact/store.db``,
else ``~/.local/share/funnelpact/store.db``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from funnelpact.errors import FunnelpactError

DATABASE_URL_ENV = "FUNNELPACT_DATABASE_URL"

# Durability: WAL with synchronous=FULL fsyncs the log at every commit, so a committed import
# survives a power cut, not only a crashed process; imports commit once, so the cost is one fsync.
# busy_timeout lets a second writer wait for the lock instead of failing at once.
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA cache_size=-262144",  # up to 256 MiB of page cache: imports touch many indexes
    "PRAGMA temp_store=MEMORY",
)


class SettingsError(FunnelpactError):
    """The environment names a store funnelpact cannot use."""


def default_store_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/funnelpact/store.db``, else ``~/.local/share/funnelpact/store.db``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local/share"
    return root / "funnelpact" / "store.db"


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """The store URL in force: the environment's, or the default SQLite file."""
    env = os.environ if environ is None else environ
    url = env.get(DATABASE_URL_ENV, "").strip()
    return url or f"sqlite:///{default_store_path(env)}"


def parse_database_url(url: str) -> dict[str, Any]:
    """Django ``DATABASES['default']`` for a store URL; a clear error for anything else."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise SettingsError(
            f"{DATABASE_URL_ENV}: {url!r} is not a URL "
            "(use sqlite:///path/to/store.db or postgresql://user@host:port/db)"
        )
    if scheme == "sqlite":
        return _sqlite(url, rest)
    if scheme in {"postgresql", "postgres"}:
        return _postgresql(url)
    raise SettingsError(
        f"{DATABASE_URL_ENV}: unsupported scheme {scheme!r} in {redact(url)!r} "
        "(use sqlite:///path/to/store.db or postgresql://user@host:port/db)"
    )


def _sqlite(url: str, rest: str) -> dict[str, Any]:
    if not rest.startswith("/") or rest == "/":
        raise SettingsError(
            f"{DATABASE_URL_ENV}: {url!r} names no file (use sqlite:///relative/store.db "
            "or sqlite:////absolute/store.db)"
        )
    path = unquote(rest[1:].split("?", 1)[0])
    name = path if path == ":memory:" else str(Path(path).expanduser().absolute())
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            "init_command": ";".join(SQLITE_PRAGMAS),
            # Take the write lock at BEGIN: a reader turning writer mid-transaction could
            # otherwise fail with "database is locked" despite the busy timeout.
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        },
    }


def _postgresql(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name or "/" in name:
        raise SettingsError(
            f"{DATABASE_URL_ENV}: {redact(url)!r} names no database "
            "(use postgresql://user@host:port/dbname)"
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise SettingsError(f"{DATABASE_URL_ENV}: bad port in {redact(url)!r}") from exc
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port) if port else "",
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


def redact(url: str) -> str:
    """The URL with its password hidden, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
