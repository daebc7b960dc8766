"""Agreement files on disk: read (with clear errors), check, and write atomically.

The domain takes text; this module is where files are opened and the real date is read.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from funnelpact.domain.agreement import Agreement, LoadedAgreement, check_agreement_text
from funnelpact.domain.errors import Issue, Level
from funnelpact.errors import InputError


def local_now() -> datetime:
    """The current time in the machine's local zone, time-zone aware."""
    return datetime.now(UTC).astimezone()


def local_today() -> date:
    return local_now().date()


def read_text(path: Path) -> str:
    """The file's text; an `InputError` naming the file when it cannot be read as UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not an agreement file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def check_agreement_file(path: Path, today: date | None = None) -> LoadedAgreement:
    """Load and validate a file: the agreement and every issue (today: the real date)."""
    return check_agreement_text(read_text(path), str(path), today or local_today())


def load_agreement_file(
    path: Path, today: date | None = None
) -> tuple[Agreement | None, list[Issue]]:
    """The agreement (None when it has any error) and every issue, for other commands.

    Used by `funnelpact plan` and anything else that takes an agreement file.
    """
    loaded = check_agreement_file(path, today)
    if loaded.has_errors:
        return None, loaded.issues
    return loaded.agreement, loaded.issues


def errors_of(issues: list[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.level is Level.ERROR]


def write_text_atomic(path: Path, text: str) -> None:
    """Write the whole text or nothing: a temporary file in the same folder, then a rename."""
    folder = path.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"{path}: cannot write in {folder} ({exc.strerror})") from None
    temporary_path = Path(temporary)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            # Keep the permissions the user gave the file.
            temporary_path.chmod(path.stat().st_mode & 0o7777)
        temporary_path.replace(path)
    except OSError as exc:
        temporary_path.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot be written ({exc.strerror})") from None
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise
