"""Agreement files outside the pure domain: reading, checking, atomic writing, `init` templates.

Public API: `load_agreement_file(path, today=None)` -> (agreement or None, issues), for any
command that takes an agreement file (e.g. `funnelpact plan`); `check_agreement_file`;
`write_text_atomic`; `render_init`.
"""

from funnelpact.agreements.files import (
    check_agreement_file,
    errors_of,
    load_agreement_file,
    local_now,
    local_today,
    read_text,
    write_text_atomic,
)
from funnelpact.agreements.templates import DEFAULT_CURRENCY, render_init

__all__ = [
    "DEFAULT_CURRENCY",
    "check_agreement_file",
    "errors_of",
    "load_agreement_file",
    "local_now",
    "local_today",
    "read_text",
    "render_init",
    "write_text_atomic",
]
