"""Set-based analytics over the canonical tables, as Ibis expressions (run by DuckDB by default).

`tables`: the canonical table schemas and builders from records or Arrow; `clock`: the business
clock as an Ibis table; `compliance`: the set-based twin of `funnelpact.domain.compliance`.
"""
