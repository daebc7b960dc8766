"""Where a rendered document goes: a file, written whole or not at all, or standard output."""

from __future__ import annotations

import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path

from funnelpact.errors import InputError


class OutputFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    MD = "md"

    @property
    def is_binary(self) -> bool:
        return self is OutputFormat.PDF


def check_destination(output_format: OutputFormat, output: Path | None) -> None:
    """Refuse before any work is done: a PDF is not sent to a terminal or a pipe by accident."""
    if output is None and output_format.is_binary:
        raise InputError(
            f"--format {output_format.value} writes a binary file: name it with --output FILE.pdf"
        )
    if output is not None and output.is_dir():
        raise InputError(f"--output {output}: is a directory; name a file")
    if output is not None and not output.parent.is_dir():
        raise InputError(f"--output {output}: folder {output.parent} does not exist")


def write_atomic(path: Path, data: bytes) -> None:
    """Write the whole content or nothing: a temporary file in the same folder, then a rename."""
    folder = path.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"{path}: cannot write in {folder} ({exc.strerror})") from None
    temporary_path = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            temporary_path.chmod(path.stat().st_mode & 0o7777)  # keep the user's permissions
        else:
            umask = os.umask(0)
            os.umask(umask)
            temporary_path.chmod(0o666 & ~umask)  # as a plain open() would have made it
        temporary_path.replace(path)
    except OSError as exc:
        temporary_path.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot be written ({exc.strerror})") from None
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise


def emit(content: str | bytes, output: Path | None) -> None:
    """Write ``content`` to ``output`` atomically, or text to standard output when None."""
    if output is not None:
        write_atomic(output, content.encode("utf-8") if isinstance(content, str) else content)
        return
    if isinstance(content, bytes):
        raise InputError("binary output needs --output FILE")
    sys.stdout.write(content)
    sys.stdout.flush()
