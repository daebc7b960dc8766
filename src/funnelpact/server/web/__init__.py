"""The shared dashboard: the web application marketing, sales and RevOps work in (docs/web.md)."""
