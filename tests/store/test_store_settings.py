"""FUNNELPACT_DATABASE_URL: parsed into Django settings, with clear errors for anything else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from funnelpact.server.config import (
    SettingsError,
    database_url,
    default_store_path,
    parse_database_url,
    redact,
)


def test_default_store_is_a_sqlite_file_under_the_user_data_directory(tmp_path: Path) -> None:
    assert default_store_path({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "funnelpact/store.db"
    assert default_store_path({}) == Path.home() / ".local/share/funnelpact/store.db"
    # A relative XDG_DATA_HOME is invalid per the XDG spec: ignored.
    assert default_store_path({"XDG_DATA_HOME": "rel"}) == default_store_path({})
    assert (
        database_url({"XDG_DATA_HOME": str(tmp_path)})
        == f"sqlite:///{tmp_path}/funnelpact/store.db"
    )


def test_sqlite_urls_absolute_relative_and_memory(tmp_path: Path) -> None:
    absolute = parse_database_url(f"sqlite:///{tmp_path}/a.db")
    assert absolute["ENGINE"] == "django.db.backends.sqlite3"
    assert absolute["NAME"] == str(tmp_path / "a.db")
    assert "PRAGMA journal_mode=WAL" in absolute["OPTIONS"]["init_command"]
    assert "PRAGMA synchronous=FULL" in absolute["OPTIONS"]["init_command"]
    assert absolute["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert parse_database_url("sqlite:///store.db")["NAME"] == str(Path.cwd() / "store.db")
    assert parse_database_url("sqlite:///:memory:")["NAME"] == ":memory:"


def test_postgresql_urls() -> None:
    config = parse_database_url("postgresql://ann:s%40cret@db.example:6543/crm?sslmode=require")
    assert config == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "crm",
        "USER": "ann",
        "PASSWORD": "s@cret",
        "HOST": "db.example",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }
    assert parse_database_url("postgres://postgres@127.0.0.1/test")["PORT"] == ""
    assert redact("postgresql://ann:s3cret@h/db") == "postgresql://ann:***@h/db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://u@h/db",
            "FUNNELPACT_DATABASE_URL: unsupported scheme 'mysql' in 'mysql://u@h/db' "
            "(use sqlite:///path/to/store.db or postgresql://user@host:port/db)",
        ),
        (
            "store.db",
            "FUNNELPACT_DATABASE_URL: 'store.db' is not a URL "
            "(use sqlite:///path/to/store.db or postgresql://user@host:port/db)",
        ),
        (
            "postgresql://u:pw@h:5432/",
            "FUNNELPACT_DATABASE_URL: 'postgresql://u:***@h:5432/' names no database "
            "(use postgresql://user@host:port/dbname)",
        ),
        (
            "sqlite://",
            "FUNNELPACT_DATABASE_URL: 'sqlite://' names no file (use sqlite:///relative/store.db "
            "or sqlite:////absolute/store.db)",
        ),
    ],
)
def test_unusable_urls_are_clear_errors(url: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_database_url(url)
    assert caught.value.message == message


def test_the_cli_reports_a_bad_url_without_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "funnelpact", "db", "upgrade"],
        env={**os.environ, "FUNNELPACT_DATABASE_URL": "oracle://x/y"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: FUNNELPACT_DATABASE_URL: unsupported scheme 'oracle'")
    assert "Traceback" not in done.stderr


def test_the_default_store_folder_is_created(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FUNNELPACT_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "funnelpact", "db", "upgrade"],
        env={**env, "XDG_DATA_HOME": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    store = tmp_path / "data/funnelpact/store.db"
    assert store.is_file()
    assert done.stdout.split() == [
        "store",
        f"sqlite:///{store}:",
        "applied",
        *done.stdout.split()[3:],
    ]
