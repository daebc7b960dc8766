"""Review and recalibration (seed 004: after six months, reset the benchmarks with actual data).

- `stats`: Wilson intervals for rates, bootstrap intervals for means and medians.
- `recalibrate`: observed rates, deal size, lag and load over the last N months beside the
  agreement's assumptions (`observe`), and the proposed next version (`review`).
"""
