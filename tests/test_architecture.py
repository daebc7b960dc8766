"""The domain stays pure: the lint passes on the tree and catches each kind of violation."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _lint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lint_domain", ROOT / "tools/lint_domain.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["lint_domain"] = module
    spec.loader.exec_module(module)
    return module


def test_domain_tree_is_pure() -> None:
    assert _lint().check_tree(ROOT / "src/funnelpact/domain") == []


def test_lint_catches_every_kind_of_violation(tmp_path: Path) -> None:
    domain = tmp_path / "src/funnelpact/domain"
    (domain / "sub").mkdir(parents=True)
    (domain / "__init__.py").write_text("")
    (domain / "sub/__init__.py").write_text("")
    (domain / "sub/bad.py").write_text(
        "import django\n"
        "from funnelpact.analytics import metrics\n"
        "from ... import server\n"
        "from ..ok import thing\n"
        "import subprocess\n"
        "import ibis, duckdb\n"
        "from datetime import datetime\n"
        "x = datetime.now()\n"
        "y = open('f')\n"
        "import pydantic, yaml, holidays, zoneinfo\n"
    )
    problems = _lint().check_tree(domain)
    text = "\n".join(problems)
    assert "bad.py:1: domain imports django" in text
    assert "bad.py:2: domain imports funnelpact.analytics" in text
    assert "bad.py:3: domain imports funnelpact.server" in text
    assert "funnelpact.domain.ok" not in text
    assert "bad.py:5: domain imports subprocess" in text
    assert "domain imports ibis" in text and "domain imports duckdb" in text
    assert "bad.py:8: domain reads the clock (datetime.now())" in text
    assert "bad.py:9: domain calls open()" in text
    assert "pydantic" not in text and "zoneinfo" not in text
    assert len(problems) == 8
