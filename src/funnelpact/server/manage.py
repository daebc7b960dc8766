"""Django's management commands for the funnelpact project.

``python -m funnelpact.server.manage makemigrations tracking`` (developers), ``... runserver``.
"""

from __future__ import annotations

import sys

from funnelpact.server import setup_django


def main(argv: list[str] | None = None) -> None:
    from django.core.management import execute_from_command_line

    setup_django()
    execute_from_command_line(argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
