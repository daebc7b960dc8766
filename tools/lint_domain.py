"""Keep ``funnelpact.domain`` pure: fail when it imports anything it must not, or does I/O.

Allowed: the standard library (less its I/O and process modules), pydantic, PyYAML (a parser of
text handed in) and holidays (calendar data computed in memory), and ``funnelpact.domain`` itself.
Refused: any other ``funnelpact`` package, any other third-party package (Django, Ibis, DuckDB,
requests, ...), ``open()``, and clock reads (``datetime.now()``, ``date.today()``, ``time.time()``):
the caller passes ``now`` in.

Usage: python tools/lint_domain.py [DOMAIN_DIR]   (exit 1 and one line per problem)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ALLOWED_THIRD_PARTY = {
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "typing_extensions",
    "yaml",
    "holidays",
}
FORBIDDEN_STDLIB = {
    "socket",
    "subprocess",
    "sqlite3",
    "http",
    "urllib",
    "ssl",
    "asyncio",
    "shutil",
    "tempfile",
    "multiprocessing",
    "threading",
    "smtplib",
    "ftplib",
    "select",
    "selectors",
    "signal",
    "webbrowser",
    "io",
    "glob",
}
CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
}
PACKAGE = "funnelpact"


def _module_of(path: Path, root: Path) -> list[str]:
    rel = path.relative_to(root.parent.parent)  # src/ -> funnelpact/domain/...
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return parts


def check_file(path: Path, domain_root: Path) -> list[str]:
    problems: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_of(path, domain_root)
    is_package = path.name == "__init__.py"

    def refuse(node: ast.AST, why: str) -> None:
        problems.append(f"{path}:{getattr(node, 'lineno', 0)}: {why}")

    def check_name(node: ast.AST, name: str) -> None:
        top = name.split(".")[0]
        if top == PACKAGE:
            if not (name == f"{PACKAGE}.domain" or name.startswith(f"{PACKAGE}.domain.")):
                refuse(node, f"domain imports {name}: only funnelpact.domain is allowed")
        elif top in sys.stdlib_module_names:
            if top in FORBIDDEN_STDLIB:
                refuse(node, f"domain imports {name}: an I/O or process module")
        elif top not in ALLOWED_THIRD_PARTY:
            refuse(node, f"domain imports {name}: a third-party package outside the allowlist")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                check_name(node, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module if is_package else module[:-1]
                up = node.level - 1
                resolved = base[: len(base) - up] if up else base
                if node.module is None:  # `from .. import x`: x is a module of that package
                    for alias in node.names:
                        check_name(node, ".".join([*resolved, alias.name]))
                    continue
                name = ".".join([*resolved, node.module])
            else:
                name = node.module or ""
            check_name(node, name)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                refuse(node, "domain calls open(): no I/O in the domain")
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and (func.value.id, func.attr) in CLOCK_CALLS
            ):
                refuse(node, f"domain reads the clock ({func.value.id}.{func.attr}()): pass now in")
    return problems


def check_tree(domain_root: Path) -> list[str]:
    problems: list[str] = []
    for path in sorted(domain_root.rglob("*.py")):
        problems.extend(check_file(path, domain_root))
    return problems


def main(argv: list[str]) -> int:
    default = Path(__file__).parent.parent / "src/funnelpact/domain"
    root = Path(argv[1]) if len(argv) > 1 else default
    problems = check_tree(root.resolve())
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem(s): funnelpact.domain must stay pure", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
