"""funnelpact: the Sales & Marketing SLA engine."""

__version__ = "0.1.0"
