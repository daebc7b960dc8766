"""The pure core: planner, agreement, business calendar, compliance semantics.

Rules (enforced by tools/lint_domain.py): stdlib, pydantic, PyYAML and holidays only; nothing
else of ours outside ``funnelpact.domain``; no I/O and no clock reads (callers pass ``now``).
"""
